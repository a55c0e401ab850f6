using System.Net;
using FriendLite.Edge.Accounts;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Http;

/// <summary>
/// The one place that decides who may do what. Routes declare an <see cref="Access"/> level that
/// the host enforces before a handler runs; handlers ask <see cref="CanSee"/> (or
/// <see cref="OwnerFilter"/> for queries) about data owned by a user: users see their own, admins
/// see everything. Tokens come from <c>Authorization: Bearer</c>, or from <c>?token=</c> on a
/// WebSocket upgrade (devices cannot set headers), or a link token (<see cref="IssueLink"/>) from
/// <c>?link=</c> on GET/HEAD of the one path it names (players cannot set headers either).
/// </summary>
internal sealed class AccessPolicy(JwtTokens tokens, UserStore users)
{
    public static bool CanSee(User user, string ownerUserId) => user.IsAdmin || user.Id == ownerUserId;

    /// <summary>The owner id to filter a query by: the user's own id, or null (everything) for an admin.</summary>
    public static string? OwnerFilter(User user) => user.IsAdmin ? null : user.Id;

    /// <summary>How long a signed link (<see cref="IssueLink"/>) opens its resource.</summary>
    public static readonly TimeSpan LinkLifetime = TimeSpan.FromHours(12);

    /// <summary>
    /// A link token for exactly <paramref name="path"/> (e.g. a conversation's audio, which an
    /// <c>&lt;audio&gt;</c> element fetches without headers): accepted as <c>?link=</c> on GET and
    /// HEAD of that path only, for <see cref="LinkLifetime"/>, and revoked with the user's other tokens.
    /// </summary>
    public string IssueLink(User user, string path) => tokens.Issue(user.Id, LinkLifetime, user.TokenVersion, path);

    /// <summary>Returns the signed-in user allowed to use a route of <paramref name="access"/>, or throws 401/403.</summary>
    public async Task<User> AuthorizeAsync(HttpListenerRequest request, Access access, CancellationToken cancellationToken)
    {
        var check = Check(request);
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

    /// <summary>The token's check: a login token from the header (or <c>?token=</c> on a WebSocket upgrade), else a link token from <c>?link=</c>.</summary>
    private TokenCheck Check(HttpListenerRequest request)
    {
        var token = BearerToken(request) ?? (request.IsWebSocketRequest ? request.QueryString["token"] : null);
        if (!string.IsNullOrEmpty(token))
        {
            var login = tokens.Validate(token);
            if (login.IsValid && login.Scope is not null)
            {
                // A leaked audio link must not become a login.
                throw Unauthorized("this is a link token for one resource, not a login; sign in for a token");
            }

            return login.IsValid ? login : throw Unauthorized(login.Failure!);
        }

        var link = request.QueryString["link"];
        if (!string.IsNullOrEmpty(link))
        {
            return CheckLink(request, link);
        }

        // A token in the query of a plain request was sent, just not where it counts: say where it goes.
        throw Unauthorized(string.IsNullOrEmpty(request.QueryString["token"])
            ? "no token was sent"
            : "a token in the URL (?token=) is only accepted on device WebSocket upgrades; send it as a header instead: Authorization: Bearer TOKEN");
    }

    private TokenCheck CheckLink(HttpListenerRequest request, string link)
    {
        if (request.IsWebSocketRequest || request.HttpMethod is not ("GET" or "HEAD"))
        {
            throw Unauthorized("a link (?link=) only opens the resource it was made for, with GET or HEAD");
        }

        var check = tokens.Validate(link);
        if (!check.IsValid)
        {
            throw Unauthorized(check.Failure == "expired token" ? "expired link; fetch the resource again for a fresh one" : $"bad link ({check.Failure})");
        }

        if (check.Scope is null)
        {
            throw Unauthorized("a login token is not a link; send it as a header instead: Authorization: Bearer TOKEN");
        }

        return check.Scope == request.Url?.AbsolutePath ? check : throw Unauthorized("this link is for another resource");
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
