using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Sessions;

/// <summary>
/// Brings access taken away in another process (the CLI's <c>user delete|deactivate|passwd</c>) to
/// the live sessions of this one. Every interval it reads the row of each user with live sessions:
/// a deleted or deactivated user's sessions end with 1008 (conversations closed, audio kept) and
/// its waiting jobs are cancelled; sessions let in with a token version a password change revoked
/// end too. Ownership: one loop, a child of the server's root group, so it ends with the server.
/// One user's failure (a bad row, a database error) is logged and tried again at the next round;
/// it never stops the loop or reaches the other users.
/// </summary>
internal sealed class RevocationSweep(SessionRegistry sessions, UserStore users, JobStore jobs, Log log)
{
    private static readonly TimeSpan s_endTimeout = TimeSpan.FromSeconds(10);
    private long _rounds;

    public FaultHook? Faults { get; init; }

    public async Task RunAsync(TimeSpan interval, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await SweepAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The server is stopping.
        }
    }

    /// <summary>One round: every user with live sessions checked, concurrently, each on its own.</summary>
    public Task SweepAsync(CancellationToken cancellationToken)
    {
        var round = Interlocked.Increment(ref _rounds);
        return Task.WhenAll(sessions.List(null).GroupBy(s => s.UserId).Select(live => CheckAsync(live.Key, round, cancellationToken)));
    }

    private async Task CheckAsync(string userId, long round, CancellationToken cancellationToken)
    {
        try
        {
            Faults?.Invoke(FaultPoint.RevocationCheck, userId, round);
            var user = await users.FindByIdAsync(userId, cancellationToken);
            if (user is null || !user.IsActive)
            {
                var reason = user is null ? "the account was deleted" : "the account was deactivated";
                log.Info("auth", "ending the sessions of a user whose access was taken away", ("user", userId), ("reason", reason));
                await EndAsync(userId, reason, only: null, cancellationToken);
                // After the sessions ended, so the speech they left as jobs is cancelled too.
                await jobs.CancelWaitingForUserAsync(userId, cancellationToken);
            }
            else if (sessions.List(userId).Any(e => e.TokenVersion != user.TokenVersion))
            {
                log.Info("auth", "ending the sessions let in with a revoked token", ("user", userId), ("token_version", user.TokenVersion));
                await EndAsync(userId, "the account's password was changed", e => e.TokenVersion != user.TokenVersion, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            log.Exception(LogLevel.Warn, "auth", $"could not check whether a user's sessions were revoked (user {userId}); trying again at the next sweep", ex);
        }
    }

    private async Task EndAsync(string userId, string reason, Func<SessionEntry, bool>? only, CancellationToken cancellationToken)
    {
        if (!await sessions.EndUserSessionsAsync(userId, reason, s_endTimeout, cancellationToken, only))
        {
            log.Warn("auth", "a revoked session did not end within 10 s; trying again at the next sweep", ("user", userId));
        }
    }
}
