namespace FriendLite.Edge.Tests.Support;

/// <summary>A clock the test moves by hand: wall time (<see cref="Now"/>) and the monotonic timestamps timeouts are measured with.</summary>
internal sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    private long _elapsedTicks;

    public DateTimeOffset Now { get; set; } = start;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow() => Now;

    public override long GetTimestamp() => Interlocked.Read(ref _elapsedTicks);

    /// <summary>Moves both clocks forward, as real time passing would.</summary>
    public void Advance(TimeSpan by)
    {
        Now += by;
        Interlocked.Add(ref _elapsedTicks, by.Ticks);
    }
}
