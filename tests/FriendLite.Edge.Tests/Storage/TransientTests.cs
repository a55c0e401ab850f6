using FriendLite.Edge.Storage;
using Microsoft.Data.Sqlite;

namespace FriendLite.Edge.Tests.Storage;

public sealed class TransientTests
{
    [Fact]
    public async Task Retry_BusyTwiceThenSucceeds_RunsThreeTimes()
    {
        var calls = 0;

        var result = await Transient.RetryAsync(() => ++calls < 3 ? throw new SqliteException("database is locked", 5) : Task.FromResult(calls));

        Assert.Equal(3, result);
    }

    [Fact]
    public async Task Retry_BusyEveryTime_FailsAfterTheLastAttempt()
    {
        var calls = 0;

        var thrown = await Assert.ThrowsAsync<SqliteException>(() => Transient.RetryAsync(() =>
        {
            calls++;
            throw new SqliteException("database is locked", 5);
        }));

        Assert.Equal((3, 5), (calls, thrown.SqliteErrorCode));
    }

    [Fact]
    public async Task Retry_ConstraintViolation_IsNotRetried()
    {
        var calls = 0;

        await Assert.ThrowsAsync<SqliteException>(() => Transient.RetryAsync(() =>
        {
            calls++;
            throw new SqliteException("constraint failed", 19);
        }));

        Assert.Equal(1, calls);
    }
}
