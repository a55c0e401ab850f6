using System.Globalization;
using FriendLite.Edge.Accounts;
using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Http;

/// <summary>
/// <c>POST /auth/jwt/login</c>: form fields <c>username</c> (the email) and <c>password</c>, as
/// fastapi-users takes them. Before any password is hashed, the attempt is counted against its
/// address and its account (<see cref="LoginRateLimiter"/>); the hash itself waits for a slot of
/// the server's hashing gate, ahead of strangers when the address has logged in to the account
/// before. Every refusal is logged, with one wording per limit.
/// </summary>
internal static class AuthEndpoints
{
    /// <summary>fastapi-users' error code, which Friend-Lite's clients recognise.</summary>
    public const string BadCredentials = "LOGIN_BAD_CREDENTIALS";

    public static Router MapAuth(this Router router, AccountService accounts, LoginRateLimiter limiter, Log log)
    {
        router.MapPost("/auth/jwt/login", context => LoginAsync(context, accounts, limiter, log), Access.Anonymous);
        return router;
    }

    /// <summary>
    /// Awaits work that hashes a password; when the hashing gate refuses it, the request gets 503
    /// with Retry-After (and the refusal is logged) instead of a server error.
    /// </summary>
    public static async Task<T> HashingAsync<T>(Task<T> work, RequestContext context, Log log)
    {
        try
        {
            return await work;
        }
        catch (AdmissionRefusedException busy)
        {
            var message = busy.Reason == AdmissionRefusal.QueueFull ? "password hash refused: the hashing queue is full" : "password hash refused: waited too long for a hashing slot";
            log.Refusal(LogLevel.Warn, $"{message} {context.RemoteAddress}", "auth", message, ("remote", context.RemoteAddress), ("path", context.Request.Url?.AbsolutePath));
            throw Refusal(503, "The server is busy checking other passwords", busy.RetryAfter);
        }
    }

    private static async Task LoginAsync(RequestContext context, AccountService accounts, LoginRateLimiter limiter, Log log)
    {
        var address = context.RemoteAddress;
        var form = await RequestBody.ReadFormAsync(context);
        var email = form["username"];
        var password = form["password"];
        if (string.IsNullOrEmpty(email) || password is null)
        {
            throw new HttpError(400, "The form fields username and password are required.");
        }

        using var attempt = limiter.TryBegin(address, email, out var refusal) ?? throw Refused(refusal, address, email, log);
        var user = await HashingAsync(accounts.CheckCredentialsAsync(email, password, context.CancellationToken, priority: attempt.FromKnownAddress), context, log);
        if (user is null)
        {
            attempt.Failed();
            throw new HttpError(400, BadCredentials);
        }

        attempt.Succeeded();
        log.Info("auth", "login", ("user", user.Id), ("remote", address));
        await context.WriteJsonAsync(200, new TokenResponse(accounts.IssueToken(user), "bearer"), HttpJsonContext.Default.TokenResponse);
    }

    private static HttpError Refused(LoginRefusal refusal, string address, string email, Log log)
    {
        var seconds = (int)Math.Ceiling(refusal.RetryAfter.TotalSeconds);
        if (refusal.Limit == LoginLimit.Address)
        {
            log.Refusal(LogLevel.Warn, $"address {address}", "auth", "login refused: too many failed logins from this address", ("remote", address), ("retry_after_s", seconds));
            return Refusal(429, "Too many failed logins from this address", refusal.RetryAfter);
        }

        log.Refusal(LogLevel.Warn, $"account {address}", "auth", "login refused: too many failed logins for this account", ("remote", address),
            ("account", email.Length <= 254 ? email.Trim() : "(too long)"), ("retry_after_s", seconds));
        return Refusal(429, "Too many failed logins for this account from a new address", refusal.RetryAfter);
    }

    private static HttpError Refusal(int status, string what, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return new HttpError(status, $"{what}; try again in {seconds} s.")
        {
            Logged = true,
            Headers = new Dictionary<string, string> { ["Retry-After"] = seconds },
        };
    }
}
