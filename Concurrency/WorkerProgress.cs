using System.Diagnostics;

namespace FriendLite.Edge.Concurrency;

/// <summary>
/// One server worker's progress, as its loop reports it: <see cref="Working"/> when it takes up
/// work, <see cref="Beat"/> whenever that work moves (a Whisper progress callback, an LLM attempt),
/// <see cref="Idle"/> when it waits for work. The <see cref="ProgressWatch"/> reads it; an idle
/// worker is never stuck. On the real clock (a stuck worker is stuck in wall time), and only
/// volatile writes: it is written from native callbacks too.
/// </summary>
internal sealed class WorkerProgress(string name)
{
    private long _since = Stopwatch.GetTimestamp();
    private int _busy;

    public string Name => name;

    /// <summary>The worker has taken up work (an item, or a look for one): progress, and it now holds work.</summary>
    public void Working()
    {
        Volatile.Write(ref _since, Stopwatch.GetTimestamp());
        Volatile.Write(ref _busy, 1);
    }

    /// <summary>The work it holds has moved.</summary>
    public void Beat() => Volatile.Write(ref _since, Stopwatch.GetTimestamp());

    /// <summary>The worker waits for work (or rests on purpose): nothing it holds can be stuck.</summary>
    public void Idle() => Volatile.Write(ref _busy, 0);

    /// <summary>How long it has held work without progress; null while it is idle.</summary>
    public TimeSpan? Stalled => Volatile.Read(ref _busy) == 1 ? Stopwatch.GetElapsedTime(Volatile.Read(ref _since)) : null;
}
