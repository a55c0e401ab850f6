namespace FriendLite.Edge.Concurrency;

/// <summary>
/// Stops calling a remote service that keeps failing: after <c>threshold</c> failures in a row it
/// opens for <c>cooldown</c>, during which calls fail at once; the first call after that is a trial
/// (half-open: one more failure opens it again, a success closes it).
/// </summary>
internal sealed class CircuitBreaker(int threshold, TimeSpan cooldown, TimeProvider time)
{
    private readonly Lock _gate = new();
    private int _failures;
    private DateTimeOffset _openUntil = DateTimeOffset.MinValue;
    private long _opened;

    /// <summary>What it guards, for <c>/metrics</c> (<c>asr</c>, <c>llm</c>).</summary>
    public string Name { get; init; } = "remote";

    /// <summary>Times it has opened since start (a failed trial opening it again counts too).</summary>
    public long Opened => Interlocked.Read(ref _opened);

    /// <summary>Now: closed (calls go ahead), open (they fail at once) or half-open (the cooldown is over; the next call is the trial).</summary>
    public CircuitState State
    {
        get
        {
            lock (_gate)
            {
                return time.GetUtcNow() < _openUntil ? CircuitState.Open : _failures >= threshold ? CircuitState.HalfOpen : CircuitState.Closed;
            }
        }
    }

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
                var now = time.GetUtcNow();
                if (now >= _openUntil)
                {
                    Interlocked.Increment(ref _opened); // from closed or half-open; a failure while already open only extends it
                }

                _openUntil = now + cooldown;
            }
        }
    }
}

/// <summary>A circuit breaker's state, as <c>/metrics</c> exports it (the numbers are the gauge's values).</summary>
internal enum CircuitState
{
    Closed = 0,
    HalfOpen = 1,
    Open = 2,
}
