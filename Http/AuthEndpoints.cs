using System.Globalization;
using FriendLite.Edge.Accounts;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Http;

/// <summary><c>POST /auth/jwt/login</c>: form fields <c>username</c> (the email) and <c>password</c>, as fastapi-users takes them.</summary>
internal static class AuthEndpoints
{
    /// <summary>fastapi-users' error code, which Friend-Lite's clients recognise.</summary>
    public const string BadCredentials = "LOGIN_BAD_CREDENTIALS";

    public static Router MapAuth(this Router router, AccountService accounts, LoginRateLimiter limiter, Log log)
    {
        router.MapPost("/auth/jwt/login", context => LoginAsync(context, accounts, limiter, log), Access.Anonymous);
        return router;
    }

    private static async Task LoginAsync(RequestContext context, AccountService accounts, LoginRateLimiter limiter, Log log)
    {
        var address = context.RemoteAddress;
        var wait = limiter.RetryAfter(address);
        if (wait > TimeSpan.Zero)
        {
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            throw new HttpError(429, $"Too many failed logins from this address; try again in {seconds} s.")
            {
                Headers = new Dictionary<string, string> { ["Retry-After"] = seconds.ToString(CultureInfo.InvariantCulture) },
            };
        }

        var form = await RequestBody.ReadFormAsync(context);
        var email = form["username"];
        var password = form["password"];
        if (string.IsNullOrEmpty(email) || password is null)
        {
            throw new HttpError(400, "The form fields username and password are required.");
        }

        var user = await accounts.CheckCredentialsAsync(email, password, context.CancellationToken);
        if (user is null)
        {
            limiter.RecordFailure(address);
            throw new HttpError(400, BadCredentials);
        }

        limiter.RecordSuccess(address);
        log.Info("auth", "login", ("user", user.Id), ("remote", address));
        await context.WriteJsonAsync(200, new TokenResponse(accounts.IssueToken(user), "bearer"), HttpJsonContext.Default.TokenResponse);
    }
}
