using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Concurrency;

/// <summary>The circuit breaker's state and openings, as <c>/metrics</c> exports them.</summary>
public sealed class CircuitBreakerTests
{
    [Fact]
    public void State_ThroughFailuresCooldownTrialAndSuccess_IsClosedOpenHalfOpenOpenClosed()
    {
        var time = new ManualTime(DateTimeOffset.UnixEpoch);
        var breaker = new CircuitBreaker(3, TimeSpan.FromSeconds(30), time) { Name = "asr" };
        var seen = new List<CircuitState>();

        breaker.Failed();
        breaker.Failed();
        seen.Add(breaker.State); // two failures: still closed
        breaker.Failed();
        seen.Add(breaker.State); // the third opens it
        breaker.Failed(); // a failure while open extends it, without counting another opening
        time.Advance(TimeSpan.FromSeconds(31));
        seen.Add(breaker.State); // the cooldown is over: the next call is the trial
        breaker.Failed();
        seen.Add(breaker.State); // the trial failed: open again
        time.Advance(TimeSpan.FromSeconds(31));
        breaker.Succeeded();
        seen.Add(breaker.State);

        Assert.Equal([CircuitState.Closed, CircuitState.Open, CircuitState.HalfOpen, CircuitState.Open, CircuitState.Closed], seen);
        Assert.Equal(2, breaker.Opened);
    }
}
