using System.IO.Compression;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Web;

namespace FriendLite.Edge.Tests.Web;

/// <summary>The web page the binary serves: what a browser loads at <c>/</c>, how it may cache it, and what it may run.</summary>
public sealed partial class WebPageApiTests
{
    private static readonly string[] s_securityHeaders =
        ["Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "Permissions-Policy"];

    [Fact]
    public async Task Index_HasTheSecurityHeaders_AndNoInlineScriptOrStyle()
    {
        await using var server = await TestServer.StartAsync();

        using var response = await server.Client.GetAsync("/");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        Assert.NotNull(response.Headers.ETag);
        Assert.All(s_securityHeaders, name => Assert.True(response.Headers.Contains(name), $"{name} is missing"));
        var csp = string.Join(' ', response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.All(ScriptTag().Matches(html), script => Assert.Contains(" src=", script.Value, StringComparison.Ordinal));
        Assert.Empty(EventAttribute().Matches(html));
        Assert.Empty(StyleBlockOrAttribute().Matches(html));
        Assert.DoesNotContain("{{assets}}", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Index_ReferencesHashedAssets_ThatAreCachedForGood()
    {
        await using var server = await TestServer.StartAsync();
        var html = await server.Client.GetStringAsync("/index.html");

        var assets = AssetReference().Matches(html).Select(m => m.Groups[1].Value).Distinct().ToList();

        Assert.Contains(assets, a => a.EndsWith("/app.js", StringComparison.Ordinal));
        Assert.Contains(assets, a => a.EndsWith("/app.css", StringComparison.Ordinal));
        Assert.All(assets, a => Assert.StartsWith($"/app/{WebAssets.Embedded.BuildHash}/", a, StringComparison.Ordinal));
        foreach (var asset in assets)
        {
            using var response = await server.Client.GetAsync(asset);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{asset}: {response.StatusCode}");
            Assert.Equal("public, max-age=31536000, immutable", string.Join(", ", response.Headers.GetValues("Cache-Control")));
            Assert.Equal(ExpectedType(asset), response.Content.Headers.ContentType?.MediaType);
            Assert.All(s_securityHeaders, name => Assert.True(response.Headers.Contains(name), $"{asset}: {name} is missing"));
        }
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/app/{hash}/app.js")]
    public async Task MatchingETag_Answers304WithoutBody(string path)
    {
        await using var server = await TestServer.StartAsync();
        path = path.Replace("{hash}", WebAssets.Embedded.BuildHash, StringComparison.Ordinal);
        using var first = await server.Client.GetAsync(path);

        using var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.TryAddWithoutValidation("If-None-Match", first.Headers.ETag!.ToString());
        using var second = await server.Client.SendAsync(again);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Gzip_DecodesToTheSameBytesAsIdentity_AndOnlyWhenOffered()
    {
        await using var server = await TestServer.StartAsync();

        foreach (var name in WebAssets.Embedded.Names)
        {
            var path = $"/app/{WebAssets.Embedded.BuildHash}/{name}";
            var (identity, identityCoding) = await FetchAsync(server, path, null);
            var (gzip, gzCoding) = await FetchAsync(server, path, "gzip, deflate, br, zstd");
            var (brOnly, brOnlyCoding) = await FetchAsync(server, path, "br");

            Assert.Null(identityCoding);
            Assert.Equal(identity, Decode(gzip, gzCoding));
            Assert.Contains(gzCoding, new[] { "gzip", null });
            Assert.Null(brOnlyCoding); // never a coding the browser did not offer
            Assert.Equal(identity, brOnly);
        }

        // The page itself is always worth compressing: a browser gets it smaller.
        var (_, indexCoding) = await FetchAsync(server, "/", "gzip, deflate, br, zstd");
        Assert.Equal("gzip", indexCoding);
    }

    [Fact]
    public async Task Head_HasTheHeadersAndLength_ButNoBody()
    {
        await using var server = await TestServer.StartAsync();
        var full = await server.Client.GetByteArrayAsync("/");

        var answer = await RawHttp.SendAsync(server.Port, "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, answer.Status);
        Assert.Equal(full.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), answer.Header("Content-Length"));
        Assert.NotNull(answer.Header("ETag"));
        Assert.Equal("", answer.Body);
    }

    [Fact]
    public async Task UnknownAsset_Is404InTheDetailShape()
    {
        await using var server = await TestServer.StartAsync();

        using var response = await server.Client.GetAsync($"/app/{WebAssets.Embedded.BuildHash}/nope.js");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("nope.js", body.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OlderHash_ServesTodaysFile_NotToBeKept()
    {
        await using var server = await TestServer.StartAsync();
        var current = await server.Client.GetByteArrayAsync($"/app/{WebAssets.Embedded.BuildHash}/app.js");

        using var older = await server.Client.GetAsync("/app/0123456789/app.js");

        Assert.Equal(HttpStatusCode.OK, older.StatusCode);
        Assert.Equal("no-cache", older.Headers.CacheControl?.ToString());
        Assert.Equal(current, await older.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task EveryFileInWwwroot_IsServedAsItIs()
    {
        await using var server = await TestServer.StartAsync();
        var files = Directory.GetFiles(WwwRoot());

        Assert.Equal(files.Select(Path.GetFileName).Order(StringComparer.Ordinal), WebAssets.Embedded.Names.Order(StringComparer.Ordinal));
        foreach (var file in files)
        {
            var name = Path.GetFileName(file);
            var expected = File.ReadAllText(file).Replace("{{assets}}", WebAssets.Embedded.AssetPrefix, StringComparison.Ordinal);
            Assert.Equal(expected, await server.Client.GetStringAsync($"/app/{WebAssets.Embedded.BuildHash}/{name}"));
        }
    }

    [Fact]
    public async Task Favicon_IsTheIcon()
    {
        await using var server = await TestServer.StartAsync();

        using var response = await server.Client.GetAsync("/favicon.ico");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public void EveryRelativeFileName_InTheScripts_IsAnEmbeddedFile()
    {
        var catalog = WebAssets.Embedded;
        var missing = new List<string>();
        foreach (var name in catalog.Names.Where(n => n.EndsWith(".js", StringComparison.Ordinal)))
        {
            var source = System.Text.Encoding.UTF8.GetString(catalog.Find(name)!.Identity);
            missing.AddRange(RelativeImport().Matches(source).Select(m => m.Groups[1].Value)
                .Where(target => catalog.Find(target) is null)
                .Select(target => $"{name} names ./{target}, which is not in Web/wwwroot"));
        }

        Assert.True(missing.Count == 0, string.Join('\n', missing));
    }

    private static async Task<(byte[] Body, string? Coding)> FetchAsync(TestServer server, string path, string? acceptEncoding)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (acceptEncoding is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        }

        using var response = await server.Client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        Assert.Contains("Accept-Encoding", response.Headers.Vary);
        return (body, response.Content.Headers.ContentEncoding.SingleOrDefault());
    }

    private static byte[] Decode(byte[] body, string? coding)
    {
        using Stream decoder = coding switch
        {
            "gzip" => new GZipStream(new MemoryStream(body), CompressionMode.Decompress),
            _ => new MemoryStream(body),
        };
        using var decoded = new MemoryStream();
        decoder.CopyTo(decoded);
        return decoded.ToArray();
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    private static string ExpectedType(string path) => Path.GetExtension(path) switch
    {
        ".js" => "text/javascript",
        ".css" => "text/css",
        ".svg" => "image/svg+xml",
        ".webmanifest" => "application/manifest+json",
        var other => throw new InvalidOperationException($"No expected type for {other}: add it here and in Web/ContentTypes."),
    };

    private static string WwwRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FriendLite.Edge.csproj")))
            {
                return Path.Combine(dir.FullName, "Web", "wwwroot");
            }
        }

        throw new DirectoryNotFoundException("Cannot find the repository root from the test binaries.");
    }

    [GeneratedRegex(@"<script\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptTag();

    [GeneratedRegex(@"<[^>]*\son\w+\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex EventAttribute();

    [GeneratedRegex(@"<style\b|<[^>]*\sstyle\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex StyleBlockOrAttribute();

    [GeneratedRegex(@"(?:src|href)=""(/app/[^""]+)""")]
    private static partial Regex AssetReference();

    /// <summary>
    /// Any string naming a file beside the module: <c>import x from './a.js'</c>, <c>import('./a.js')</c>,
    /// a page table's <c>module: './a.js'</c> imported later, <c>new URL('./worklet.js', import.meta.url)</c>.
    /// </summary>
    [GeneratedRegex(@"['""`]\./([\w.-]+\.\w+)['""`]")]
    private static partial Regex RelativeImport();
}
