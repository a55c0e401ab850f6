namespace FriendLite.Edge.Http;

internal delegate Task RouteHandler(RequestContext context);

/// <summary>Who may call a route. The host enforces it before the handler runs; the default is a signed-in user.</summary>
internal enum Access
{
    Anonymous,
    User,
    Admin,
}

/// <summary>
/// A small exact-segment router: templates like <c>/api/conversations/{client_id}/close</c>.
/// A path that matches a template under another method gets 405 with an Allow header; no match, 404.
/// </summary>
internal sealed class Router
{
    private readonly List<Route> _routes = [];

    public Router Map(string method, string template, RouteHandler handler, Access access = Access.User)
    {
        _routes.Add(new Route(method.ToUpperInvariant(), Split(template), handler, access));
        return this;
    }

    public Router MapGet(string template, RouteHandler handler, Access access = Access.User) => Map("GET", template, handler, access);

    public Router MapPost(string template, RouteHandler handler, Access access = Access.User) => Map("POST", template, handler, access);

    public Router MapDelete(string template, RouteHandler handler, Access access = Access.User) => Map("DELETE", template, handler, access);

    public RouteMatch Match(string method, string path)
    {
        var segments = Split(path);
        var allowed = new List<string>();
        foreach (var route in _routes)
        {
            var values = TryBind(route.Segments, segments);
            if (values is null)
            {
                continue;
            }

            if (route.Method == method || (method == "HEAD" && route.Method == "GET"))
            {
                return new RouteMatch(route.Handler, values, [], route.Access);
            }

            allowed.Add(route.Method);
        }

        return new RouteMatch(null, EmptyValues, allowed, Access.Anonymous);
    }

    private static readonly Dictionary<string, string> EmptyValues = [];

    private static Dictionary<string, string>? TryBind(string[] template, string[] path)
    {
        if (template.Length != path.Length)
        {
            return null;
        }

        Dictionary<string, string>? values = null;
        for (var i = 0; i < template.Length; i++)
        {
            var part = template[i];
            if (part.Length > 2 && part[0] == '{' && part[^1] == '}')
            {
                if (path[i].Length == 0)
                {
                    return null;
                }

                values ??= new Dictionary<string, string>(StringComparer.Ordinal);
                values[part[1..^1]] = Uri.UnescapeDataString(path[i]);
            }
            else if (!string.Equals(part, path[i], StringComparison.Ordinal))
            {
                return null;
            }
        }

        return values ?? EmptyValues;
    }

    private static string[] Split(string path) =>
        path.Trim('/').Split('/', StringSplitOptions.None) is [""] ? [] : path.Trim('/').Split('/');

    private sealed record Route(string Method, string[] Segments, RouteHandler Handler, Access Access);
}

internal sealed record RouteMatch(RouteHandler? Handler, IReadOnlyDictionary<string, string> Values, IReadOnlyList<string> AllowedMethods, Access Access);
