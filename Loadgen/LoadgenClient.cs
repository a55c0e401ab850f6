using System.Diagnostics;
using FriendLite.Edge.Concurrency;

namespace FriendLite.Edge.Loadgen;

/// <summary>
/// One simulated device: connects, streams, and reconnects after churn or a lost connection, until
/// its audio ends (play-once runs) or the run stops it. Ownership: the client is a child of the
/// run's group and runs its sessions one after the other, each awaited to its end (see
/// <see cref="LoadgenSession"/>).
///
/// Two tokens: <c>stopping</c> asks for a graceful end (finish the frame, audio-stop, close
/// handshake); <c>abort</c> (the run group's token) ends everything at once.
/// </summary>
internal sealed class LoadgenClient(int number, LoadgenOptions options, AudioFrames audio, LoadgenStats stats, TaskGroup run)
{
    private const int MaxFailedConnectsWhenPlayingOnce = 5;
    private static readonly TimeSpan s_firstBackoff = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(5);

    private readonly Uri _url = options.ClientUrl(number);
    private int _position; // the next frame of the audio; a reconnect continues where the last session stopped

    /// <summary>True when the client gave up: the server refused it for good (an HTTP 4xx on the upgrade), or a run without an end kept failing to connect.</summary>
    public bool GaveUp { get; private set; }

    public async Task RunAsync(TimeSpan startDelay, CancellationToken stopping, CancellationToken abort)
    {
        if (!await DelayAsync(startDelay, stopping))
        {
            return;
        }

        var backoff = s_firstBackoff;
        var failedConnects = 0;
        while (!stopping.IsCancellationRequested && !abort.IsCancellationRequested)
        {
            var session = new LoadgenSession(number, _url, options, audio, stats, run, _position, NextChurn());
            var end = await session.RunAsync(stopping, abort);
            _position = session.Position;
            switch (end)
            {
                case SessionEnd.Churned:
                    stats.ChurnDisconnect();
                    break;
                case SessionEnd.Lost:
                    // A device retries with a growing pause; a session that worked resets the pause. A run
                    // without --duration has no end but its audio, so it stops trying after a few failed connects.
                    failedConnects = session.Opened ? 0 : failedConnects + 1;
                    backoff = session.Opened ? s_firstBackoff : backoff;
                    if (options.Duration is null && failedConnects >= MaxFailedConnectsWhenPlayingOnce)
                    {
                        GaveUp = true;
                        return;
                    }

                    if (!await DelayAsync(backoff, stopping))
                    {
                        return;
                    }

                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, s_maxBackoff.Ticks));
                    break;
                case SessionEnd.Refused:
                    GaveUp = true;
                    return;
                default:
                    return;
            }
        }
    }

    /// <summary>When the next session churns: an exponential wait gives each client a Poisson stream of reconnects at the asked rate.</summary>
    private long NextChurn()
    {
        if (options.ChurnPerMinute <= 0)
        {
            return long.MaxValue;
        }

        var seconds = -Math.Log(1 - Random.Shared.NextDouble()) * 60 / options.ChurnPerMinute;
        return Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
    }

    /// <summary>Waits; false when <paramref name="cancellationToken"/> ended the wait (the caller stops, nothing failed).</summary>
    internal static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, cancellationToken);
            }

            return !cancellationToken.IsCancellationRequested;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}

/// <summary>How one session ended, which decides what its client does next.</summary>
internal enum SessionEnd
{
    /// <summary>The audio was sent once (runs without <c>--duration</c>).</summary>
    AudioFinished,

    /// <summary>The run is stopping (duration over, Ctrl-C, or abort).</summary>
    Stopped,

    /// <summary>A churn disconnect: connect again at once.</summary>
    Churned,

    /// <summary>The connection failed or the server closed it: retry after a pause.</summary>
    Lost,

    /// <summary>The server refused the upgrade with a 4xx: retrying cannot help.</summary>
    Refused,
}
