using System.IO.Compression;
using System.Security.Cryptography;

namespace FriendLite.Edge.Web;

/// <summary>
/// One file of the web page as it is served: its bytes, type and strong ETag, and its gzip variant,
/// made once and kept only when it is smaller. That variant has an ETag of its own (a different
/// content coding is a different representation, RFC 9110 8.8.3). No Brotli: its encoder would add
/// 0.78 MB to the binary to save about 3.7 KB of the page's first load (measured, see the README).
/// </summary>
internal sealed class WebAsset
{
    private readonly string _gzipETag;

    private WebAsset(string name, string contentType, byte[] identity, byte[]? gzip)
    {
        Name = name;
        ContentType = contentType;
        Identity = identity;
        Gzip = gzip;
        ETag = StrongETag(identity);
        _gzipETag = $"{ETag[..^1]}.gz\"";
    }

    public string Name { get; }

    public string ContentType { get; }

    public byte[] Identity { get; }

    public byte[]? Gzip { get; }

    /// <summary>The identity representation's ETag: <c>"&lt;sha256, base64url&gt;"</c>.</summary>
    public string ETag { get; }

    public static WebAsset Create(string name, byte[] bytes) => new(name, ContentTypes.Of(name), bytes, Smaller(bytes, GzipOf(bytes)));

    /// <summary>The representation for a request's Accept-Encoding: gzip or the bytes as they are.</summary>
    public Representation Select(string? acceptEncoding)
    {
        if (Gzip is not null && AcceptEncoding.Parse(acceptEncoding).Gzip)
        {
            return new Representation(Gzip, "gzip", _gzipETag);
        }

        return new Representation(Identity, null, ETag);
    }

    /// <summary>
    /// True when If-None-Match names any representation of this file (or is <c>*</c>): they all
    /// decode to the same bytes, so a cache holding any of them has this file. Weak tags compare as
    /// strong ones here (If-None-Match uses the weak comparison).
    /// </summary>
    public bool Matches(string? ifNoneMatch)
    {
        if (string.IsNullOrWhiteSpace(ifNoneMatch))
        {
            return false;
        }

        foreach (var part in ifNoneMatch.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var tag = part.StartsWith("W/", StringComparison.Ordinal) ? part[2..] : part;
            if (tag == "*" || tag == ETag || tag == _gzipETag)
            {
                return true;
            }
        }

        return false;
    }

    private static string StrongETag(byte[] bytes) => $"\"{System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(bytes))}\"";

    private static byte[]? Smaller(byte[] identity, byte[] encoded) => encoded.Length < identity.Length ? encoded : null;

    private static byte[] GzipOf(byte[] bytes)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return buffer.ToArray();
    }
}

/// <summary>What goes on the wire: the bytes, their Content-Encoding (null for none) and their ETag.</summary>
internal sealed record Representation(byte[] Body, string? ContentEncoding, string ETag);
