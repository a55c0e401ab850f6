using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Transcription;

/// <summary>
/// Server-level transcription. Ownership: its workers are children of the server's root group;
/// each worker owns one Whisper processor. Sessions hand in speech segments (<see cref="SubmitAsync"/>);
/// each is a job row before it is queued in memory, so a crash at any moment loses none of them.
/// A full queue, a session that ends before its segments started, or a request its session
/// cancelled hands that row to the job workers (the same workers, when the live queue is empty).
/// What a departed device leaves in transcription is the server's from then on: drained by a task
/// of the server's group (<see cref="TryHandOver"/>), not by the device's session. Nothing is
/// dropped and nothing runs detached.
/// </summary>
internal sealed partial class TranscriptionScheduler(
    ITranscriptionEngine engine,
    int capacity,
    TranscriptStore transcripts,
    JobStore jobs,
    Log log) : IDisposable
{
    public const string JobKind = JobStore.TranscribeKind;
    private static readonly TimeSpan JobPollInterval = TimeSpan.FromSeconds(2);
    private readonly FairQueue _queue = new(capacity);
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Lock _gate = new();
    private readonly WorkerProgress[] _progress = [.. Enumerable.Range(1, engine.Workers).Select(i => new WorkerProgress($"transcriber {i}"))];
    private bool _closed;
    private int _running;
    private TaskGroup? _group;

    public int Queued => _queue.Count;

    /// <summary>Segments a worker is transcribing right now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>
    /// Starts the workers as children of <paramref name="group"/>; they stop when it is cancelled.
    /// The transcription a departed device leaves behind is drained in the same group (<see cref="TryHandOver"/>).
    /// </summary>
    public void Start(TaskGroup group)
    {
        _group = group;
        foreach (var progress in _progress)
        {
            group.Spawn(progress.Name, token => WorkAsync(progress, token));
        }
    }

    /// <summary>Each worker's progress, for the watchdog.</summary>
    public IReadOnlyList<WorkerProgress> Progress => _progress;

    /// <summary>Call after the workers' group has finished.</summary>
    public void Dispose() => _signal.Dispose();

    /// <summary>
    /// Hands in a segment: first made durable (a job row owned by the live queue), then queued in
    /// memory. True when it is queued (its <see cref="TranscriptionRequest.Done"/> completes when it
    /// is finished or kept as a job); false when the queue was full and it waits as a job instead.
    /// </summary>
    public async Task<bool> SubmitAsync(TranscriptionRequest request)
    {
        try
        {
            request.JobId = await Transient.RetryAsync(() => jobs.EnqueueOwnedAsync(JobKind, request.ToJobPayload(), CancellationToken.None));
        }
        catch (Exception ex)
        {
            // The database refuses it: it is still transcribed live, just not durable meanwhile.
            log.Exception(LogLevel.Error, "transcription", $"samples {request.StartSample}-{request.EndSample} of conversation {request.ConversationId} could not be made durable", ex);
        }

        if (TryEnqueue(request))
        {
            return true;
        }

        await KeepAsJobAsync(request);
        return false;
    }

    private bool TryEnqueue(TranscriptionRequest request)
    {
        lock (_gate)
        {
            // No workers (the model did not load): nothing would take it from memory; it waits as a job.
            if (_closed || engine.Workers == 0 || !_queue.TryEnqueue(request))
            {
                return false;
            }
        }

        _signal.Release();
        return true;
    }

    /// <summary>Those of <paramref name="requests"/> that no worker started become durable jobs; returns how many.</summary>
    public async Task<int> WithdrawToJobsAsync(IReadOnlyCollection<TranscriptionRequest> requests)
    {
        var withdrawn = _queue.Withdraw(requests);
        foreach (var request in withdrawn)
        {
            await KeepAsJobAsync(request);
            request.Done.TrySetResult();
        }

        return withdrawn.Count;
    }

    /// <summary>
    /// A worker: one item at a time, voice commands before live segments, live segments before jobs. Failure domain: an item's fault is
    /// that item's (logged, kept or failed as a job with its reason); the worker itself ends only
    /// when the server stops, so one bad segment, reply or row never stops transcription.
    /// </summary>
    private async Task WorkAsync(WorkerProgress progress, CancellationToken cancellationToken)
    {
        await using var worker = engine.CreateWorker();
        // Whisper's progress callbacks are heartbeats: a long run that moves is not stuck.
        Action<int> beat = _ => progress.Beat();
        while (!cancellationToken.IsCancellationRequested)
        {
            progress.Working();
            if (TakeCommand() is { } command)
            {
                await RestAsync(await ProcessCommandAsync(worker, command, beat, cancellationToken), progress, cancellationToken);
                continue;
            }

            if (_queue.TryDequeue() is { } live)
            {
                await RestAsync(await ProcessLiveAsync(worker, live, beat, cancellationToken), progress, cancellationToken);
                continue;
            }

            JobRow? job;
            try
            {
                job = await jobs.ClaimAsync(JobKind, CancellationToken.None);
            }
            catch (Exception ex)
            {
                // The database is busy or failing (whatever it throws): wait a poll interval and ask again.
                log.Exception(LogLevel.Warn, "transcription", "could not read the transcription jobs; trying again", ex);
                job = null;
            }

            if (job is not null)
            {
                await RestAsync(await ProcessJobAsync(worker, job, beat, cancellationToken), progress, cancellationToken);
                continue;
            }

            try
            {
                progress.Idle();
                await _signal.WaitAsync(JobPollInterval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        // Stopping: nothing more is taken in, and whatever is still queued is kept as jobs for the next start.
        lock (_gate)
        {
            _closed = true;
        }

        RefuseWaitingCommands();
        while (_queue.TryDequeue() is { } left)
        {
            await KeepAsJobAsync(left);
            left.Done.TrySetResult();
        }
    }

    /// <summary>After the engine said it is unavailable: no item is taken (and failed) until it may be again.</summary>
    private static async Task RestAsync(TimeSpan? rest, WorkerProgress progress, CancellationToken cancellationToken)
    {
        if (rest is not { } delay)
        {
            return;
        }

        progress.Idle(); // resting on purpose is not being stuck
        try
        {
            await Task.Delay(delay, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the loop ends.
        }
    }

    /// <summary>One live segment; returns how long the worker should rest when the engine is unavailable.</summary>
    private async Task<TimeSpan?> ProcessLiveAsync(ITranscriber worker, TranscriptionRequest request, Action<int> beat, CancellationToken serverToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(serverToken, request.SessionToken);
        try
        {
            await TranscribeAsync(worker, request, beat, linked.Token);
            if (request.JobId is { } id)
            {
                await SettleAsync(() => jobs.CompleteAsync(id, CancellationToken.None), id);
            }
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // The session or the server gave up on it: the segment is kept as a job, not lost.
            await KeepAsJobAsync(request);
        }
        catch (EngineUnavailableException ex)
        {
            // Not this segment's fault: it waits as a job with all its attempts.
            log.Debug("transcription", "the engine is unavailable; the segment waits as a job", ("reason", Reasons.Of(ex)));
            Interlocked.Increment(ref _deferred);
            await KeepAsJobAsync(request);
            return ex.RetryAfter;
        }
        catch (Exception ex)
        {
            log.Exception(LogLevel.Warn, "transcription", "a segment could not be transcribed; it is kept as a job and retried", ex);
            Interlocked.Increment(ref _failed);
            await KeepAsJobAsync(request, Reasons.Of(ex));
        }
        finally
        {
            request.Done.TrySetResult();
        }

        return null;
    }
}
