using System.Diagnostics;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Transcription;

/// <summary>
/// The transcription a departed device leaves behind. A device that disconnects is released at
/// once (its close answered, its session, registry entry and client id freed); its segments still
/// queued or running are handed to the server: one task of the server's group per departed session
/// gives them up to the drain timeout, then leaves what has not started as jobs and cancels (and
/// awaits) the one running, which is kept as a job too. Every segment ends as a transcript row or a
/// durable job; the server's stop awaits these tasks like its workers.
/// </summary>
internal sealed partial class TranscriptionScheduler
{
    /// <summary>
    /// Takes over a departed session's <paramref name="requests"/> (queued or running, each already a
    /// job row) and <paramref name="cancel"/>, the source their <see cref="TranscriptionRequest.SessionToken"/>
    /// comes from, which it disposes when they are done. False when the server is stopping (or not
    /// started): the caller keeps both and settles them itself.
    /// </summary>
    public bool TryHandOver(string clientId, IReadOnlyList<TranscriptionRequest> requests, CancellationTokenSource cancel, TimeSpan drainTimeout)
    {
        if (_group is not { } group)
        {
            return false;
        }

        try
        {
            group.Spawn($"drain {clientId}", token => DrainDepartedContainedAsync(clientId, requests, cancel, drainTimeout, token));
            return true;
        }
        catch (InvalidOperationException)
        {
            // The server's group is stopping: it takes no more children.
            return false;
        }
    }

    /// <summary>
    /// Failure domain: one departed device's drain. It runs in the server's root group, where a
    /// failing child cancels the server; a fault nobody named is logged and ends only this drain.
    /// Its segments are each a job row already, so the next start finds what it left.
    /// </summary>
    private async Task DrainDepartedContainedAsync(string clientId, IReadOnlyList<TranscriptionRequest> requests, CancellationTokenSource cancel, TimeSpan drainTimeout, CancellationToken serverToken)
    {
        try
        {
            await DrainDepartedAsync(clientId, requests, cancel, drainTimeout, serverToken);
        }
        catch (Exception ex)
        {
            log.Exception(LogLevel.Error, "transcription", $"the drain of departed device {clientId} failed; its segments stay as jobs", ex);
        }
    }

    /// <summary>
    /// Waits for a departed session's segments up to <paramref name="drainTimeout"/> (or until the
    /// server stops), then keeps the rest as jobs: the queued ones withdrawn, the running one
    /// cancelled and awaited until its engine has really stopped (for Whisper: the processor's
    /// DisposeAsync). Never throws: each segment's own fault is already its job's.
    /// </summary>
    private async Task DrainDepartedAsync(string clientId, IReadOnlyList<TranscriptionRequest> requests, CancellationTokenSource cancel, TimeSpan drainTimeout, CancellationToken serverToken)
    {
        using (cancel)
        {
            var all = Task.WhenAll(requests.Select(r => r.Done.Task));
            try
            {
                await all.WaitAsync(drainTimeout, serverToken);
                log.Debug("transcription", "a departed device's speech is transcribed", ("client", clientId), ("segments", requests.Count));
                return;
            }
            catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && serverToken.IsCancellationRequested))
            {
                var left = await WithdrawToJobsAsync(requests);
                await cancel.CancelAsync();
                var clock = Stopwatch.StartNew();
                await all; // every request completes: done, kept as a job when cancelled, or failed into a job
                log.Info("transcription", ex is TimeoutException
                        ? "transcription drain timed out; the rest is kept as jobs"
                        : "server stopping; a departed device's transcription is kept as jobs",
                    ("client", clientId), ("jobs", left), ("cancelled_join_ms", (long)clock.Elapsed.TotalMilliseconds));
            }
        }
    }
}
