using System.Globalization;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Concurrency;

/// <summary>
/// Whether the server's workers make progress: a worker that has held work longer than its bound
/// without progress is stuck. The systemd watchdog is not fed while one is, and <c>/health</c>
/// names it. A worker's becoming stuck is logged once (a warning saying which and for how long),
/// and its recovery once; whoever asks (the watchdog's beat, <c>/health</c>) sees the same answer.
/// </summary>
internal sealed class ProgressWatch(IReadOnlyList<(WorkerProgress Worker, TimeSpan Bound)> workers, Log log)
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _stuck = [];

    public IReadOnlyList<(WorkerProgress Worker, TimeSpan Bound)> Workers => workers;

    /// <summary>The stuck workers now, each with how long it has gone without progress; empty when all progress or wait.</summary>
    public IReadOnlyList<(string Name, TimeSpan Stalled)> Check()
    {
        var stuck = new List<(string Name, TimeSpan Stalled)>();
        // Read and applied under one lock: a reader's older snapshot (the watchdog's beat, /health at
        // once) applied after a newer one would log a recovered worker stuck again.
        lock (_gate)
        {
            foreach (var (worker, bound) in workers)
            {
                if (worker.Stalled is { } stalled && stalled > bound)
                {
                    stuck.Add((worker.Name, stalled));
                }
            }

            foreach (var (name, stalled) in stuck.Where(s => _stuck.Add(s.Name)))
            {
                log.Warn("workers", $"{name} has held its work for {Seconds(stalled)} s without progress; the watchdog is not fed while it is stuck, and systemd restarts the service if it stays so",
                    ("worker", name), ("stalled_seconds", Math.Round(stalled.TotalSeconds)));
            }

            foreach (var name in _stuck.Where(n => !stuck.Any(s => s.Name == n)).ToList())
            {
                _stuck.Remove(name);
                log.Info("workers", $"{name} makes progress again", ("worker", name));
            }
        }

        return stuck;
    }

    /// <summary>For /health: one sentence naming each stuck worker.</summary>
    public static string Describe(IReadOnlyList<(string Name, TimeSpan Stalled)> stuck) =>
        string.Join("; ", stuck.Select(s => $"{s.Name} has made no progress for {Seconds(s.Stalled)} s"));

    private static string Seconds(TimeSpan span) => Math.Round(span.TotalSeconds).ToString(CultureInfo.InvariantCulture);
}
