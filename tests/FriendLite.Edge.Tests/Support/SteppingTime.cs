namespace FriendLite.Edge.Tests.Support;

/// <summary>A monotonic clock that moves <paramref name="step"/> forward each time it is read:
/// every progress report finds enough time gone to be shown, so what is shown depends on the work only.</summary>
internal sealed class SteppingTime(TimeSpan step) : TimeProvider
{
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Add(ref _ticks, step.Ticks);
}
