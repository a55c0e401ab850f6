using System.Diagnostics;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Sessions;

/// <summary>
/// A session's speech segments in transcription. Each segment goes to the server's scheduler by
/// WAV offsets, or, when its queue is full, straight to a durable job. Ownership: the requests it
/// submitted carry a token from a source it owns, cancelled with the session. When the session ends,
/// <see cref="DrainAsync"/> either hands the ones still queued or running (and that source) to the
/// server's scheduler, which drains them on the server's clock (a device that leaves is released at
/// once), or, when the session was cancelled (shutdown, a fault) or its user's access was taken
/// away, leaves the rest as jobs and cancels and awaits the one running. Either way nothing this
/// session started is left without an owner. Owned by the session's <see cref="ConversationRecorder"/>,
/// which disposes it in its finally.
/// </summary>
internal sealed class SegmentSubmitter(SessionEntry entry, SessionSettings settings, TranscriptionScheduler? scheduler, Log log) : IDisposable
{
    private readonly List<TranscriptionRequest> _submitted = [];
    /// <summary>Cancels this session's segments in transcription: with the session, or when it gives them up; handed over with them.</summary>
    private CancellationTokenSource? _transcription;
    /// <summary>The session's cancellation reaching <see cref="_transcription"/>, until the segments are handed over.</summary>
    private CancellationTokenRegistration _link;
    private CancellationToken _session;

    public long SegmentsSubmitted { get; private set; }

    /// <summary>Requests kept for the drain: those queued or running, and at most the last batch already done.</summary>
    public int Tracked => _submitted.Count;

    /// <summary>
    /// Set (from any thread) when the session ends because its user's access was taken away: its
    /// speech is not handed over to be transcribed, but left as waiting jobs (which the revocation cancels).
    /// </summary>
    private volatile bool _giveUp;

    public void GiveUp() => _giveUp = true;

    public void Start(CancellationToken sessionToken)
    {
        _session = sessionToken;
        _transcription = new CancellationTokenSource();
        _link = sessionToken.Register(static source => ((CancellationTokenSource)source!).Cancel(), _transcription);
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
    /// The session is ending. A device that left (or was closed for a protocol violation, idle
    /// time, a limit) does not wait for its speech: the segments still queued or running are handed
    /// to the server's scheduler, which gives them up to the drain timeout on its own clock (the last
    /// words of a disconnect are still transcribed) and then keeps the rest as jobs. A session
    /// cancelled by shutdown (or a fault), one whose user's access was taken away, or one the server
    /// no longer takes work from, does not hand over: its queued segments are jobs at once and the
    /// running one is cancelled and awaited until its engine has really stopped (for Whisper: until
    /// the processor's DisposeAsync has returned, up to ~1.5 s after the cancel), so nothing this
    /// session started is still running when it ends (SCENARIOS rows 6 and 23).
    /// </summary>
    public async Task DrainAsync()
    {
        _submitted.RemoveAll(r => r.Done.Task.IsCompleted);
        if (scheduler is null || _submitted.Count == 0)
        {
            return;
        }

        if (!_giveUp && !_session.IsCancellationRequested)
        {
            await _link.DisposeAsync(); // from here on the session's end does not cancel them; the server's scheduler may
            if (!_session.IsCancellationRequested && scheduler.TryHandOver(entry.ClientId, [.. _submitted], _transcription!, settings.DrainTimeout))
            {
                log.Info("session", "speech still in transcription handed to the server", ("client", entry.ClientId), ("segments", _submitted.Count));
                _transcription = null; // the server's now
                _submitted.Clear();
                return;
            }
        }

        var all = Task.WhenAll(_submitted.Select(r => r.Done.Task));
        var left = await scheduler.WithdrawToJobsAsync(_submitted);
        await _transcription!.CancelAsync();
        var clock = Stopwatch.StartNew();
        await all; // every request completes: done, kept as a job when cancelled, or failed into a job
        var why = _giveUp ? "access taken away" : _session.IsCancellationRequested ? "session cancelled" : "server stopping";
        log.Info("session", $"{why}; the session's transcription is kept as jobs",
            ("client", entry.ClientId), ("jobs", left),
            ("cancelled_join_ms", (long)clock.Elapsed.TotalMilliseconds));
        _submitted.Clear();
    }

    public void Dispose()
    {
        _link.Dispose();
        _transcription?.Dispose();
        _transcription = null;
    }
}
