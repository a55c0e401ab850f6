namespace FriendLite.Edge.Concurrency;

/// <summary>
/// Stops calling a remote service that keeps failing: after <c>threshold</c> failures in a row it
/// opens for <c>cooldown</c>, during which calls fail at once; the first call after that is a trial.
/// </summary>
internal sealed class CircuitBreaker(int threshold, TimeSpan cooldown, TimeProvider time)
{
    private readonly Lock _gate = new();
    private int _failures;
    private DateTimeOffset _openUntil = DateTimeOffset.MinValue;

    /// <summary>Null when a call may go ahead, else how long until it may.</summary>
    public TimeSpan? Blocked()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            return now < _openUntil ? _openUntil - now : null;
        }
    }

    public void Succeeded()
    {
        lock (_gate)
        {
            _failures = 0;
            _openUntil = DateTimeOffset.MinValue;
        }
    }

    public void Failed()
    {
        lock (_gate)
        {
            if (++_failures >= threshold)
            {
                _openUntil = time.GetUtcNow() + cooldown;
            }
        }
    }
}
