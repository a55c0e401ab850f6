namespace FriendLite.Edge.Loadgen;

/// <summary>
/// Send latencies in logarithmic buckets 1 % wide, from 1 µs to about 100 s. Memory stays fixed
/// however long the run (a list of every sample would grow by 50 entries per client per second),
/// and percentiles are within 1 %, far below what a benchmark can tell apart. Thread-safe.
/// </summary>
internal sealed class LatencyHistogram
{
    private const double Growth = 1.01;
    private const int BucketCount = 1900; // Growth^1900 µs ≈ 160 s
    private static readonly double s_logGrowth = Math.Log(Growth);

    private readonly long[] _buckets = new long[BucketCount];
    private long _count;
    private long _maxTicks;

    public long Count => Interlocked.Read(ref _count);

    public TimeSpan Max => TimeSpan.FromTicks(Interlocked.Read(ref _maxTicks));

    public void Record(TimeSpan latency)
    {
        var ticks = Math.Max(latency.Ticks, 0);
        Interlocked.Increment(ref _buckets[BucketOf(ticks)]);
        Interlocked.Increment(ref _count);
        var max = Interlocked.Read(ref _maxTicks);
        while (ticks > max)
        {
            var seen = Interlocked.CompareExchange(ref _maxTicks, ticks, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    /// <summary>The latency below which <paramref name="fraction"/> of the samples fall (the bucket's upper edge, never above the maximum).</summary>
    public TimeSpan Percentile(double fraction)
    {
        var count = Count;
        if (count == 0)
        {
            return TimeSpan.Zero;
        }

        var rank = (long)Math.Ceiling(fraction * count);
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += Interlocked.Read(ref _buckets[i]);
            if (seen >= rank)
            {
                var upper = TimeSpan.FromMicroseconds(Math.Pow(Growth, i));
                return upper < Max ? upper : Max;
            }
        }

        return Max;
    }

    // Bucket i holds (Growth^(i-1), Growth^i] µs; bucket 0 everything up to 1 µs.
    private static int BucketOf(long ticks)
    {
        var microseconds = ticks / (double)TimeSpan.TicksPerMicrosecond;
        if (microseconds <= 1)
        {
            return 0;
        }

        var bucket = (int)Math.Ceiling(Math.Log(microseconds) / s_logGrowth);
        return Math.Min(bucket, BucketCount - 1);
    }
}
