using FriendLite.Edge.Http;

namespace FriendLite.Edge.Web;

/// <summary>
/// The web page: <c>/</c> (index.html, revalidated on every load) and its assets under
/// <c>/app/&lt;build hash&gt;/</c> (cached for good: a new build is a new prefix). All anonymous: the
/// page signs in through the API like any client, and holds no data of its own.
/// </summary>
internal static class WebEndpoints
{
    private const string Immutable = "public, max-age=31536000, immutable";
    private const string Revalidate = "no-cache";

    /// <summary>No inline script or style and no other origin: what the page may load, it loads from here.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; " +
        "font-src 'self'; manifest-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static readonly KeyValuePair<string, string>[] s_securityHeaders =
    [
        new("Content-Security-Policy", ContentSecurityPolicy),
        new("X-Content-Type-Options", "nosniff"),
        new("Referrer-Policy", "no-referrer"),
        new("X-Frame-Options", "DENY"),
        new("Permissions-Policy", "microphone=(self), camera=(), geolocation=()"),
    ];

    public static Router MapWeb(this Router router, Func<WebAssets>? assets = null)
    {
        assets ??= () => WebAssets.Embedded;
        router.MapGet("/", context => ServeAsync(context, assets(), WebAssets.IndexName, Revalidate), Access.Anonymous);
        router.MapGet("/index.html", context => ServeAsync(context, assets(), WebAssets.IndexName, Revalidate), Access.Anonymous);
        router.MapGet("/favicon.ico", context => ServeAsync(context, assets(), WebAssets.IconName, Revalidate), Access.Anonymous);
        router.MapGet("/app/{hash}/{file}", context =>
        {
            var catalog = assets();
            // An older hash is a page loaded before an upgrade: it gets today's file, not to be kept.
            var current = context.Route("hash") == catalog.BuildHash;
            return ServeAsync(context, catalog, context.Route("file"), current ? Immutable : Revalidate);
        }, Access.Anonymous);
        return router;
    }

    private static async Task ServeAsync(RequestContext context, WebAssets catalog, string name, string cacheControl)
    {
        foreach (var (header, value) in s_securityHeaders)
        {
            context.Response.AddHeader(header, value);
        }

        var asset = catalog.Find(name);
        if (asset is null)
        {
            await context.WriteErrorAsync(404, $"The web page has no file '{name}'.");
            return;
        }

        var request = context.Request;
        var chosen = asset.Select(request.Headers["Accept-Encoding"]);
        List<KeyValuePair<string, string>> headers =
        [
            new("Cache-Control", cacheControl),
            new("ETag", chosen.ETag),
            new("Vary", "Accept-Encoding"),
        ];
        if (asset.Matches(request.Headers["If-None-Match"]))
        {
            await context.WriteBytesAsync(304, null, chosen.Body, headers);
            return;
        }

        if (chosen.ContentEncoding is { } coding)
        {
            headers.Add(new("Content-Encoding", coding));
        }

        await context.WriteBytesAsync(200, asset.ContentType, chosen.Body, headers);
    }
}
