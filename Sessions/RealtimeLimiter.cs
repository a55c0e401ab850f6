using System.Globalization;

namespace FriendLite.Edge.Sessions;

/// <summary>
/// How fast devices may send audio (<c>--max-realtime-factor</c>): at most <see cref="Factor"/>
/// seconds of decoded audio per second of the server's clock for each device an account has
/// connected, after a burst of <see cref="Burst"/> (a wearable back from being offline sends its
/// buffer at once). A token bucket in 16 kHz samples per account, not per device: a device names
/// itself, so a bucket per name would let every new name bring a fresh burst and its own refill.
/// The account's bucket refills at the factor times its live sessions and holds up to a burst per
/// live session. Reconnecting does not refill it; only the clock does. A device that joins while
/// others of the account are connected brings its own burst, up to <see cref="JoinBursts"/> at
/// once and one more a minute, so a household's devices dumping their backlogs together fit, and
/// cycling connections buys little. Owned by the server; a bucket no session holds is forgotten
/// once it is full again (it is then the same as a new one).
/// </summary>
internal sealed class RealtimeLimiter(double factor, TimeSpan burst, TimeProvider time)
{
    /// <summary>The catch-up allowance: a minute of audio at once, then the factor (documented in README, Devices).</summary>
    public static readonly TimeSpan DefaultBurst = TimeSpan.FromSeconds(60);

    /// <summary>Bursts an account's joining devices may bring at once; one comes back every <see cref="JoinBurstEvery"/>.</summary>
    public const int JoinBursts = 8;

    private const int SampleRate = 16000;
    private static readonly TimeSpan JoinBurstEvery = TimeSpan.FromMinutes(1);
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private long _sessionsClosed;

    public double Factor => factor;

    public TimeSpan Burst => burst;

    /// <summary>Sessions closed since start for sending faster than the limit.</summary>
    public long SessionsClosed => Interlocked.Read(ref _sessionsClosed);

    /// <summary>The close reason devices get, one wording everywhere.</summary>
    public string Refusal => $"audio sent faster than {factor.ToString("0.##", CultureInfo.InvariantCulture)}x real time";

    private double BurstSamples => burst.TotalSeconds * SampleRate;

    /// <summary>"4", "2.5": a factor from 1 to 1000, or 0 for no limit.</summary>
    public static double ParseFactor(string text) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && (value == 0 || value is >= 1 and <= 1000)
            ? value
            : throw new FormatException("is not a number from 1 to 1000 (or 0 for no limit)");

    /// <summary>The bucket of an account, for one of its sessions; give it back with <see cref="Release"/>.</summary>
    public Bucket Lease(string userId)
    {
        lock (_buckets)
        {
            if (_buckets.Count >= 1024)
            {
                Forget();
            }

            if (!_buckets.TryGetValue(userId, out var bucket))
            {
                bucket = new Bucket(BurstSamples, time.GetTimestamp(), JoinBursts);
                _buckets.Add(userId, bucket);
            }

            lock (bucket)
            {
                Refill(bucket);
                bucket.Sessions++;
                if (bucket.Sessions > 1 && bucket.JoinBursts >= 1)
                {
                    bucket.JoinBursts--;
                    bucket.Samples += BurstSamples;
                }
            }

            return bucket;
        }
    }

    public void Release(Bucket bucket)
    {
        lock (_buckets)
        {
            lock (bucket)
            {
                Refill(bucket);
                bucket.Sessions--;
                bucket.Samples = Math.Min(bucket.Samples, Capacity(bucket));
            }
        }
    }

    /// <summary>Takes <paramref name="samples"/> (16 kHz) from the bucket; false, taking nothing, when they do not fit.</summary>
    public bool TryTake(Bucket bucket, int samples)
    {
        lock (bucket)
        {
            Refill(bucket);
            if (samples > bucket.Samples)
            {
                return false;
            }

            bucket.Samples -= samples;
            return true;
        }
    }

    public void CountClosed() => Interlocked.Increment(ref _sessionsClosed);

    private double Capacity(Bucket bucket) => BurstSamples * Math.Max(1, bucket.Sessions);

    private void Refill(Bucket bucket)
    {
        var now = time.GetTimestamp();
        var elapsed = time.GetElapsedTime(bucket.Updated, now);
        var live = Math.Max(1, bucket.Sessions);
        bucket.Samples = Math.Min(Capacity(bucket), bucket.Samples + (elapsed.TotalSeconds * factor * SampleRate * live));
        bucket.JoinBursts = Math.Min(JoinBursts, bucket.JoinBursts + (elapsed / JoinBurstEvery));
        bucket.Updated = now;
    }

    /// <summary>Drops the buckets no session holds that have refilled: an account that comes back gets a new, equally full one.</summary>
    private void Forget()
    {
        foreach (var (key, bucket) in _buckets)
        {
            lock (bucket)
            {
                Refill(bucket);
                if (bucket.Sessions == 0 && bucket.Samples >= BurstSamples && bucket.JoinBursts >= JoinBursts)
                {
                    _buckets.Remove(key);
                }
            }
        }
    }

    internal sealed class Bucket(double samples, long updated, double joinBursts)
    {
        public double Samples { get; set; } = samples;

        public long Updated { get; set; } = updated;

        /// <summary>Bursts joining devices may still bring (refilled by the clock).</summary>
        public double JoinBursts { get; set; } = joinBursts;

        /// <summary>Live sessions holding it.</summary>
        public int Sessions { get; set; }
    }
}
