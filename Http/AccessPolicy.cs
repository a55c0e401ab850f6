using System.Net;
using FriendLite.Edge.Accounts;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Http;

/// <summary>
/// The one place that decides who may do what. Routes declare an <see cref="Access"/> level that
/// the host enforces before a handler runs; handlers ask <see cref="CanSee"/> (or
/// <see cref="OwnerFilter"/> for queries) about data owned by a user: users see their own, admins
/// see everything. Tokens come from <c>Authorization: Bearer</c>, or from <c>?token=</c> on a
/// WebSocket upgrade (devices cannot set headers).
/// </summary>
internal sealed class AccessPolicy(JwtTokens tokens, UserStore users)
{
    public static bool CanSee(User user, string ownerUserId) => user.IsAdmin || user.Id == ownerUserId;

    /// <summary>The owner id to filter a query by: the user's own id, or null (everything) for an admin.</summary>
    public static string? OwnerFilter(User user) => user.IsAdmin ? null : user.Id;

    /// <summary>Returns the signed-in user allowed to use a route of <paramref name="access"/>, or throws 401/403.</summary>
    public async Task<User> AuthorizeAsync(HttpListenerRequest request, Access access, CancellationToken cancellationToken)
    {
        var token = BearerToken(request) ?? (request.IsWebSocketRequest ? request.QueryString["token"] : null);
        if (string.IsNullOrEmpty(token))
        {
            // A token in the query of a plain request was sent, just not where it counts: say where it goes.
            throw Unauthorized(string.IsNullOrEmpty(request.QueryString["token"])
                ? "no token was sent"
                : "a token in the URL (?token=) is only accepted on device WebSocket upgrades; send it as a header instead: Authorization: Bearer TOKEN");
        }

        var check = tokens.Validate(token);
        if (!check.IsValid)
        {
            throw Unauthorized(check.Failure!);
        }

        var user = await users.FindByIdAsync(check.UserId!, cancellationToken);
        if (user is null)
        {
            throw Unauthorized("the token's user no longer exists");
        }

        if (!user.IsActive)
        {
            throw Unauthorized("the token's user is deactivated");
        }

        if (check.Version != user.TokenVersion)
        {
            throw Unauthorized("the token was revoked (the password was changed since it was issued)");
        }

        if (access == Access.Admin && !user.IsAdmin)
        {
            throw new HttpError(403, "This needs an administrator.");
        }

        return user;
    }

    private static string? BearerToken(HttpListenerRequest request)
    {
        var header = request.Headers["Authorization"];
        if (header is null)
        {
            return null;
        }

        const string scheme = "Bearer ";
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : "";
    }

    private static HttpError Unauthorized(string reason) => new(401, $"Not authenticated: {reason}.")
    {
        Headers = new Dictionary<string, string> { ["WWW-Authenticate"] = "Bearer" },
    };
}
