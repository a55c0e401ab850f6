using System.Text.Json;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Transcription;

/// <summary>
/// The scheduler's durable side: a segment kept as a job (waiting, interrupted or failed), the
/// jobs its workers take when the live queue is empty, and recording each job's outcome.
/// </summary>
internal sealed partial class TranscriptionScheduler
{
    /// <summary>
    /// A segment becomes a durable job: due now when it was only waiting or interrupted, after a
    /// back-off (one attempt counted) when it failed. Never throws: transient storage errors are
    /// retried, and a segment that still cannot be stored is logged with its place in the WAV.
    /// </summary>
    public async Task KeepAsJobAsync(TranscriptionRequest request, string? failure = null)
    {
        try
        {
            await Transient.RetryAsync(() => (request.JobId, failure) switch
            {
                ({ } id, null) => jobs.RequeueAsync(id, CancellationToken.None),
                ({ } id, { } reason) => jobs.RetryLaterAsync(id, reason, CancellationToken.None),
                (null, null) => jobs.EnqueueAsync(JobKind, request.ToJobPayload(), CancellationToken.None),
                (null, { } reason) => jobs.EnqueueFailedAsync(JobKind, request.ToJobPayload(), reason, CancellationToken.None),
            });
        }
        catch (Exception ex)
        {
            log.Exception(LogLevel.Error, "transcription",
                $"samples {request.StartSample}-{request.EndSample} of conversation {request.ConversationId} could not be kept as a job", ex);
        }
    }

    /// <summary>Records a job's outcome; the database failing here leaves the job running until the next start recovers it.</summary>
    private async Task SettleAsync(Func<Task> record, long jobId)
    {
        try
        {
            await record();
        }
        catch (Exception ex)
        {
            log.Exception(LogLevel.Error, "transcription", $"could not record the outcome of transcription job {jobId}", ex);
        }
    }

    /// <summary>One job; returns how long the worker should rest when the engine is unavailable.</summary>
    private async Task<TimeSpan?> ProcessJobAsync(ITranscriber worker, JobRow job, Action<int> beat, CancellationToken serverToken)
    {
        TranscriptionRequest? request;
        try
        {
            request = RequestOf(job);
        }
        catch (JsonException)
        {
            request = null;
        }

        if (request is null)
        {
            await SettleAsync(() => jobs.GiveUpAsync(job.Id, "the job's payload is not a transcription request", CancellationToken.None), job.Id);
            return null;
        }

        try
        {
            await TranscribeAsync(worker, request, beat, serverToken);
        }
        catch (OperationCanceledException) when (serverToken.IsCancellationRequested)
        {
            await SettleAsync(() => jobs.ReleaseAsync(job.Id, CancellationToken.None), job.Id);
            return null;
        }
        catch (EngineUnavailableException ex)
        {
            // The engine, not the job, failed: put it back without spending the attempt.
            Interlocked.Increment(ref _deferred);
            await SettleAsync(() => jobs.ReleaseAsync(job.Id, CancellationToken.None), job.Id);
            return ex.RetryAfter;
        }
        catch (Exception ex)
        {
            log.Exception(LogLevel.Warn, "transcription", $"transcription job {job.Id} failed (attempt {job.Attempts} of {job.MaxAttempts})", ex);
            Interlocked.Increment(ref _failed);
            await SettleAsync(() => jobs.FailAsync(job, Reasons.Of(ex), CancellationToken.None), job.Id);
            return null;
        }

        await SettleAsync(() => jobs.CompleteAsync(job.Id, CancellationToken.None), job.Id);
        return null;
    }
}
