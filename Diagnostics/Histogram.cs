namespace FriendLite.Edge.Diagnostics;

/// <summary>
/// Observations counted into fixed buckets, for a Prometheus histogram: each bucket counts the
/// observations at most its bound (not cumulative here; the exposition adds them up), plus the
/// count and sum. Lock-free (<see cref="Interlocked"/>), so any thread may observe at any time.
/// </summary>
internal sealed class Histogram
{
    private readonly double[] _bounds;
    private readonly long[] _counts;
    private long _count;
    private double _sum;

    /// <param name="bounds">Upper bounds, ascending; +Inf is implied after the last.</param>
    public Histogram(params double[] bounds)
    {
        if (bounds.Length == 0 || bounds.Zip(bounds.Skip(1)).Any(p => p.First >= p.Second))
        {
            throw new ArgumentException("Bucket bounds must be given in ascending order.", nameof(bounds));
        }

        _bounds = bounds;
        _counts = new long[bounds.Length + 1];
    }

    /// <summary>Seconds, for latencies on a Raspberry Pi: a quarter of a second to five minutes.</summary>
    public static Histogram Seconds() => new(0.25, 0.5, 1, 2, 5, 10, 30, 60, 300);

    /// <summary>Seconds someone waits for an answer (a voice command): a tenth of a second to half a minute.</summary>
    public static Histogram Interactive() => new(0.1, 0.25, 0.5, 1, 2, 5, 10, 30);

    public IReadOnlyList<double> Bounds => _bounds;

    public long Count => Interlocked.Read(ref _count);

    public double Sum => Volatile.Read(ref _sum);

    public void Observe(double value)
    {
        var bucket = 0;
        while (bucket < _bounds.Length && value > _bounds[bucket])
        {
            bucket++;
        }

        Interlocked.Increment(ref _counts[bucket]);
        double seen;
        do
        {
            seen = Volatile.Read(ref _sum);
        }
        while (Interlocked.CompareExchange(ref _sum, seen + value, seen) != seen);

        Interlocked.Increment(ref _count);
    }

    /// <summary>Observations at most each bound, cumulative, the last being +Inf (every observation).</summary>
    public long[] Cumulative()
    {
        var cumulative = new long[_counts.Length];
        long running = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            running += Interlocked.Read(ref _counts[i]);
            cumulative[i] = running;
        }

        return cumulative;
    }
}
