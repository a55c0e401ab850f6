using System.Text.Json;
using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Memory;

/// <summary>
/// Turns closed conversations into memories, action items and a title. Ownership: one worker, a
/// child of the server's root group, takes durable <c>extract</c> jobs (queued with every close,
/// by <see cref="ConversationStore.CloseAsync"/>) once the conversation's transcription jobs are
/// done, so nothing about a conversation runs detached or outlives the server: at shutdown the
/// running extraction (an LLM call, say) is cancelled and its job put back, to finish after the
/// next start. Faults stay with their job: a job that fails is retried with back-off and, after
/// its last attempt, <c>failed</c> with its reason; the worker goes on with the next one.
/// </summary>
internal sealed partial class ExtractionWorker(MemorySources sources, ILanguageModel? model, TimeZoneInfo zone, Log log) : IDisposable
{
    /// <summary>The transcription scheduler's job kind: an extraction waits for its conversation's jobs of that kind.</summary>
    private const string TranscriptionKind = JobStore.TranscribeKind;

    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>How often the worker looks for due jobs when nothing woke it.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The worker's progress, for the watchdog: it holds work from each look for a job to that job's end.</summary>
    public WorkerProgress Progress { get; init; } = new("memory extraction");

    /// <summary>Extractions finished since start.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    private long _completed;

    public void Start(TaskGroup group) => group.Spawn(Progress.Name, RunAsync);

    /// <summary>Call after the worker's group has finished.</summary>
    public void Dispose() => _wake.Dispose();

    /// <summary>Look for work now (a conversation closed, a reprocess was asked for).</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken: one look finds every due job.
        }
    }

    private async Task RunAsync(CancellationToken serverToken)
    {
        while (!serverToken.IsCancellationRequested)
        {
            Progress.Working();
            JobRow? job;
            try
            {
                job = await Transient.RetryAsync(() => sources.Jobs.ClaimAfterAsync(ConversationStore.ExtractJobKind, TranscriptionKind, serverToken), cancellationToken: serverToken);
            }
            catch (OperationCanceledException) when (serverToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The jobs table failing is not this worker's end: it looks again after a pause.
                log.Exception(LogLevel.Warn, "memory", "could not look for extraction jobs", ex);
                job = null;
            }

            if (job is null)
            {
                Progress.Idle();
                await RestAsync(serverToken);
                continue;
            }

            await ProcessAsync(job, serverToken);
        }
    }

    private async Task RestAsync(CancellationToken serverToken)
    {
        try
        {
            await _wake.WaitAsync(PollInterval, serverToken);
        }
        catch (OperationCanceledException) when (serverToken.IsCancellationRequested)
        {
            // Stopping: the loop ends.
        }
    }

    private async Task ProcessAsync(JobRow job, CancellationToken serverToken)
    {
        var conversationId = ConversationOf(job.Payload);
        if (conversationId is null)
        {
            await SettleAsync(() => sources.Jobs.GiveUpAsync(job.Id, "the job's payload names no conversation", CancellationToken.None), job.Id);
            return;
        }

        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var outcome = await ExtractAsync(conversationId, serverToken);
            Interlocked.Increment(ref _completed);
            log.Info("memory", "conversation extracted", ("conversation", conversationId), ("job", job.Id), ("source", outcome.Source),
                ("memories", outcome.Memories), ("action_items", outcome.ActionItems), ("ms", Math.Round(clock.Elapsed.TotalMilliseconds, 1)), ("title", outcome.Title));
        }
        catch (OperationCanceledException) when (serverToken.IsCancellationRequested)
        {
            // Shutdown: the job is put back, its attempt not counted, and finished after the next start.
            await SettleAsync(() => sources.Jobs.ReleaseAsync(job.Id, CancellationToken.None), job.Id);
            log.Info("memory", "extraction interrupted by the stop; it runs again after the next start", ("conversation", conversationId), ("job", job.Id));
            return;
        }
        catch (Exception ex)
        {
            log.Exception(LogLevel.Warn, "memory", $"extraction job {job.Id} of conversation {conversationId} failed (attempt {job.Attempts} of {job.MaxAttempts})", ex);
            await SettleAsync(() => sources.Jobs.FailAsync(job, Reasons.Of(ex), CancellationToken.None), job.Id);
            return;
        }

        await SettleAsync(() => sources.Jobs.CompleteAsync(job.Id, CancellationToken.None), job.Id);
    }

    /// <summary>Records a job's outcome; the database failing here leaves the job running until the next start recovers it.</summary>
    private async Task SettleAsync(Func<Task> record, long jobId)
    {
        try
        {
            await Transient.RetryAsync(record);
        }
        catch (Exception ex)
        {
            log.Exception(LogLevel.Error, "memory", $"could not record the outcome of extraction job {jobId}", ex);
        }
    }

    private static string? ConversationOf(string payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("conversation_id", out var id) && id.ValueKind == JsonValueKind.String
                ? id.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The stores extraction reads and writes.</summary>
internal sealed record MemorySources(ConversationStore Conversations, TranscriptStore Transcripts, MemoryStore Memories, JobStore Jobs);
