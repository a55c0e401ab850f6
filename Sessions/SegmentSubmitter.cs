using System.Diagnostics;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Sessions;

/// <summary>
/// A session's speech segments in transcription. Each segment goes to the server's scheduler by
/// WAV offsets, or, when its queue is full, straight to a durable job. Ownership: the requests it
/// submitted carry a token linked to the session; <see cref="DrainAsync"/> waits for them (up to the
/// drain timeout), then leaves the rest as jobs and cancels and awaits the one running, so nothing
/// this session started is still running when it ends. Owned by the session's
/// <see cref="ConversationRecorder"/>, which disposes it in its finally.
/// </summary>
internal sealed class SegmentSubmitter(SessionEntry entry, SessionSettings settings, TranscriptionScheduler? scheduler, Log log) : IDisposable
{
    private readonly List<TranscriptionRequest> _submitted = [];
    /// <summary>Cancels this session's segments in transcription: at the end of the drain, or with the session.</summary>
    private CancellationTokenSource? _transcription;
    private CancellationToken _session;

    public long SegmentsSubmitted { get; private set; }

    /// <summary>Requests kept for the drain: those queued or running, and at most the last batch already done.</summary>
    public int Tracked => _submitted.Count;

    public void Start(CancellationToken sessionToken)
    {
        _session = sessionToken;
        _transcription = CancellationTokenSource.CreateLinkedTokenSource(sessionToken);
    }

    /// <summary>Sends finished speech segments to transcription; the WAV is flushed first so the workers can read them.</summary>
    public async Task SubmitAsync(string conversationId, WavWriter writer, List<SpeechSegment> segments)
    {
        if (scheduler is null)
        {
            return;
        }

        writer.Flush();
        _submitted.RemoveAll(r => r.Done.Task.IsCompleted); // a device may stream for days: keep only what the drain may wait for
        foreach (var segment in segments)
        {
            var request = new TranscriptionRequest(conversationId, writer.Path, segment.StartSample, segment.EndSample, TranscriptionRequest.SpeakerOf(entry.ClientId))
            {
                Session = entry.ClientId,
                SessionToken = _transcription!.Token,
            };
            SegmentsSubmitted++;
            if (await scheduler.SubmitAsync(request))
            {
                _submitted.Add(request); // queued: the drain waits for it; otherwise it waits as a job
            }
        }
    }

    /// <summary>
    /// The session is ending: give its segments in transcription up to the drain timeout (the last
    /// words of a disconnect are still transcribed), then leave what has not started as jobs and
    /// cancel what has. A session cancelled by shutdown (or a fault) does not wait at all: its queued
    /// segments may sit behind a long job that only the server's own stop will cancel, so they are
    /// jobs at once. Each cancelled segment is awaited until its engine has really stopped (for
    /// Whisper: until the processor's DisposeAsync has returned, up to ~1.5 s after the cancel), so
    /// nothing this session started is still running when it ends (SCENARIOS rows 6 and 23).
    /// </summary>
    public async Task DrainAsync()
    {
        if (scheduler is null || _submitted.Count == 0)
        {
            return;
        }

        var all = Task.WhenAll(_submitted.Select(r => r.Done.Task));
        try
        {
            await all.WaitAsync(settings.DrainTimeout, _session);
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && _session.IsCancellationRequested))
        {
            var left = await scheduler.WithdrawToJobsAsync(entry.ClientId);
            await _transcription!.CancelAsync();
            var clock = Stopwatch.StartNew();
            await all; // every request completes: done, kept as a job when cancelled, or failed into a job
            log.Info("session", ex is TimeoutException ? "transcription drain timed out; the rest is kept as jobs" : "session cancelled; its transcription is kept as jobs",
                ("client", entry.ClientId), ("jobs", left),
                ("cancelled_join_ms", (long)clock.Elapsed.TotalMilliseconds));
        }

        _submitted.Clear();
    }

    public void Dispose()
    {
        _transcription?.Dispose();
        _transcription = null;
    }
}
