using System.Globalization;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Server;

/// <summary>
/// The server under systemd (<c>Type=notify</c>): <c>READY=1</c> once it listens and has recovered
/// the last run's work, <c>STATUS=</c> with what it is doing, <c>WATCHDOG=1</c> only while it
/// answers its own <c>/health</c> through the public port (the connection gate, the host's accept
/// loop and a request all making progress) and no worker with work is stuck (<see cref="Workers"/>),
/// and <c>STOPPING=1</c> when a stop begins. The loop is a child of the root group, on the real clock.
/// </summary>
internal sealed partial class EdgeServer
{
    private SystemdNotifier? _systemd;

    private void StartNotifying(SystemdNotifier notifier)
    {
        _systemd = notifier;
        notifier.Send("READY=1", $"STATUS={StatusLine(jobsWaiting: null)}", $"MAINPID={Environment.ProcessId}");
        _root.Spawn("systemd-notify", NotifyLoopAsync);
    }

    private async Task NotifyLoopAsync(CancellationToken cancellationToken)
    {
        var notifier = _systemd!;
        var watchdog = Options.WatchdogTimeout;
        // Half the watchdog's timeout, as systemd advises, so one late answer does not cost a restart.
        var interval = watchdog is { } timeout ? timeout / 2 : TimeSpan.FromSeconds(10);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(1) }) { Timeout = interval };
        var probe = Options.WatchdogProbe ?? (token => AnswersHealthAsync(client, token));
        using var timer = new PeriodicTimer(interval);
        var answering = true;
        try
        {
            do
            {
                try
                {
                    answering = await BeatAsync(notifier, probe, answering, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // One beat's fault is that beat's: the loop is a child of the root group, and
                    // its failure would stop the server. The watchdog is not fed for that beat.
                    _log.Exception(LogLevel.Warn, "systemd", "a notify beat failed", ex);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The server is stopping: STOPPING=1 has been sent.
        }
    }

    /// <summary>One beat: the probe and the workers, then WATCHDOG=1 with the status (or the status alone); returns whether the server answered.</summary>
    private async Task<bool> BeatAsync(SystemdNotifier notifier, Func<CancellationToken, Task<bool>> probe, bool answering, CancellationToken cancellationToken)
    {
        var watchdog = Options.WatchdogTimeout;
        var healthy = watchdog is null || await probe(cancellationToken);
        var stuck = Workers.Check(); // logs a worker's becoming stuck, and its progress again, once each
        var status = $"STATUS={StatusLine(await JobsWaitingAsync(cancellationToken))}";
        if (healthy != answering)
        {
            answering = healthy;
            if (healthy)
            {
                _log.Info("systemd", "the server answers its own /health again; the watchdog is fed");
            }
            else
            {
                _log.Warn("systemd", "the server did not answer its own /health; the watchdog is not fed, and systemd restarts the service if it stays so",
                    ("watchdog_seconds", watchdog?.TotalSeconds));
            }
        }

        // Logged before the message goes out, so the log never tells of a change after systemd has seen it.
        if (healthy && stuck.Count == 0 && watchdog is not null)
        {
            notifier.Send("WATCHDOG=1", status);
        }
        else
        {
            notifier.Send(status);
        }

        return answering;
    }

    /// <summary>Any answer to <c>GET /health</c> through the public port, within the interval, is progress; none is not.</summary>
    private async Task<bool> AnswersHealthAsync(HttpClient client, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetAsync(new Uri(new Uri(LocalAddress(Options.Address)), "/health"), cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            _log.Debug("systemd", "the watchdog's /health probe failed", ("reason", Reasons.Of(ex)));
            return false;
        }
    }

    private async Task<int?> JobsWaitingAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await Jobs.CountAsync(JobStore.TranscribeKind, "pending", cancellationToken) + await Jobs.CountAsync(ConversationStore.ExtractJobKind, "pending", cancellationToken);
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            return null; // the status line says less; /health says why
        }
    }

    private string StatusLine(int? jobsWaiting) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{Sessions.Count} devices, {Scheduler?.Queued ?? 0} segments queued, {Scheduler?.Running ?? 0} transcribing{(jobsWaiting is { } jobs ? $", {jobs} jobs waiting" : "")}");

    /// <summary>The address to ask on this machine: a server listening on every interface answers on loopback.</summary>
    internal static string LocalAddress(string address) =>
        address.Replace("://0.0.0.0:", "://127.0.0.1:", StringComparison.Ordinal).Replace("://[::]:", "://[::1]:", StringComparison.Ordinal);
}
