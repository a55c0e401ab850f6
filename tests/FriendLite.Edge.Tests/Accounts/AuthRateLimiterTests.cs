using FriendLite.Edge.Accounts;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Accounts;

/// <summary>The login throttle on a hand-moved clock: per address, per account, and its bounds.</summary>
public sealed class AuthRateLimiterTests
{
    private readonly ManualTime _clock = new(DateTimeOffset.UnixEpoch);

    private LoginRateLimiter NewLimiter(int perAddress = 10, int perAccount = 20) =>
        new(perAddress, perAccount, TimeSpan.FromMinutes(1), TimeSpan.FromDays(30), _clock);

    [Fact]
    public void RateLimiter_TenFailuresInAMinute_BlocksTheAddressUntilTheOldestLeavesTheWindow()
    {
        var limiter = NewLimiter();
        for (var i = 0; i < 10; i++)
        {
            Fail(limiter, "10.0.0.1", $"user{i}@example.com");
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Null(limiter.TryBegin("10.0.0.1", "someone@example.com", out var refusal));
        Assert.Equal(new LoginRefusal(LoginLimit.Address, TimeSpan.FromSeconds(50)), refusal);
        Assert.NotNull(Begin(limiter, "10.0.0.2", "someone@example.com"));
        _clock.Advance(TimeSpan.FromSeconds(50));
        Assert.NotNull(Begin(limiter, "10.0.0.1", "someone@example.com"));
    }

    [Fact]
    public void RateLimiter_AttemptsStillBeingChecked_AlreadyCountTowardTheLimit()
    {
        var limiter = NewLimiter();
        var inFlight = Enumerable.Range(0, 10).Select(_ => Begin(limiter, "10.0.0.1", "ann@example.com")).ToList();

        Assert.Null(limiter.TryBegin("10.0.0.1", "ann@example.com", out var refusal));
        Assert.Equal(LoginLimit.Address, refusal.Limit);
        Assert.Equal(TimeSpan.FromMinutes(1), refusal.RetryAfter);
        inFlight.ForEach(a => a.Dispose());
    }

    [Fact]
    public void RateLimiter_AttemptWithoutAnAnswer_GivesItsSlotBack()
    {
        var limiter = NewLimiter(perAddress: 2);
        Begin(limiter, "10.0.0.1", "ann@example.com").Dispose();
        Begin(limiter, "10.0.0.1", "ann@example.com").Dispose();

        Assert.NotNull(Begin(limiter, "10.0.0.1", "ann@example.com"));
    }

    [Fact]
    public void RateLimiter_Success_GivesItsSlotBackButEarlierFailuresStillCount()
    {
        var limiter = NewLimiter(perAddress: 3);
        Fail(limiter, "10.0.0.1", "bob@example.com");
        Fail(limiter, "10.0.0.1", "bob@example.com");
        Succeed(limiter, "10.0.0.1", "eve@example.com");
        Succeed(limiter, "10.0.0.1", "eve@example.com");

        // A right password of one's own does not buy more guesses at someone else's.
        Fail(limiter, "10.0.0.1", "bob@example.com");
        Assert.Null(limiter.TryBegin("10.0.0.1", "eve@example.com", out _));
    }

    [Fact]
    public void RateLimiter_AccountLimit_CountsEveryAddressAndBlocksNewOnes()
    {
        var limiter = NewLimiter();
        for (var i = 0; i < 20; i++)
        {
            Fail(limiter, $"10.0.0.{i}", i % 2 == 0 ? "Ann@Example.com" : " ann@example.com ");
        }

        Assert.Null(limiter.TryBegin("10.0.1.1", "ANN@EXAMPLE.COM", out var refusal));
        Assert.Equal(LoginLimit.Account, refusal.Limit);
        Assert.NotNull(Begin(limiter, "10.0.1.1", "bob@example.com"));
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.NotNull(Begin(limiter, "10.0.1.1", "ann@example.com"));
    }

    [Fact]
    public void RateLimiter_AccountLimit_SparesAddressesThatLoggedInToItWithinTheMemory()
    {
        var limiter = NewLimiter();
        Succeed(limiter, "10.0.0.100", "ann@example.com");
        _clock.Advance(TimeSpan.FromDays(29));
        Succeed(limiter, "10.0.0.101", "ann@example.com");
        _clock.Advance(TimeSpan.FromDays(2));
        for (var i = 0; i < 20; i++)
        {
            Fail(limiter, $"10.0.0.{i}", "ann@example.com");
        }

        using (var known = Begin(limiter, "10.0.0.101", "ann@example.com"))
        {
            Assert.True(known.FromKnownAddress);
        }

        Assert.Null(limiter.TryBegin("10.0.0.100", "ann@example.com", out var refusal));
        Assert.Equal(LoginLimit.Account, refusal.Limit);
    }

    [Fact]
    public void RateLimiter_KnownAddress_IsStillHeldToItsOwnLimit()
    {
        var limiter = NewLimiter();
        Succeed(limiter, "10.0.0.1", "ann@example.com");
        for (var i = 0; i < 10; i++)
        {
            Fail(limiter, "10.0.0.1", "ann@example.com");
        }

        Assert.Null(limiter.TryBegin("10.0.0.1", "ann@example.com", out var refusal));
        Assert.Equal(LoginLimit.Address, refusal.Limit);
    }

    [Fact]
    public void RateLimiter_FloodOfAddressesAndEmails_KeepsItsTablesBounded()
    {
        var limiter = NewLimiter();
        for (var i = 0; i < 30_000; i++)
        {
            Fail(limiter, $"fd00::{i:x}", $"nobody{i}@example.com");
        }

        Assert.InRange(limiter.TrackedKeys, 1, 20_000);
        Fail(limiter, "10.0.0.1", new string('a', 100_000));
        Assert.NotNull(Begin(limiter, "10.0.0.2", "someone@example.com"));
    }

    private static LoginAttempt Begin(LoginRateLimiter limiter, string address, string email)
    {
        var attempt = limiter.TryBegin(address, email, out var refusal);
        Assert.True(attempt is not null, $"{address} at {email} was refused: {refusal}");
        return attempt;
    }

    private static void Fail(LoginRateLimiter limiter, string address, string email)
    {
        using var attempt = Begin(limiter, address, email);
        attempt.Failed();
    }

    private static void Succeed(LoginRateLimiter limiter, string address, string email)
    {
        using var attempt = Begin(limiter, address, email);
        attempt.Succeeded();
    }
}
