using System.IO.Compression;
using System.Security.Cryptography;

namespace FriendLite.Edge.Web;

/// <summary>
/// One file of the web page as it is served: its bytes, type and strong ETag, and its gzip and
/// Brotli variants, each made once and kept only when it is smaller. Each variant has an ETag of its
/// own (a different content coding is a different representation, RFC 9110 8.8.3).
/// </summary>
internal sealed class WebAsset
{
    private WebAsset(string name, string contentType, byte[] identity, byte[]? gzip, byte[]? brotli)
    {
        Name = name;
        ContentType = contentType;
        Identity = identity;
        Gzip = gzip;
        Brotli = brotli;
        ETag = StrongETag(identity);
    }

    public string Name { get; }

    public string ContentType { get; }

    public byte[] Identity { get; }

    public byte[]? Gzip { get; }

    public byte[]? Brotli { get; }

    /// <summary>The identity representation's ETag: <c>"&lt;sha256, base64url&gt;"</c>.</summary>
    public string ETag { get; }

    public static WebAsset Create(string name, byte[] bytes)
    {
        var gzip = Smaller(bytes, GzipOf(bytes));
        var brotli = Smaller(bytes, BrotliOf(bytes));
        return new WebAsset(name, ContentTypes.Of(name), bytes, gzip, brotli);
    }

    /// <summary>The representation for a request's Accept-Encoding: Brotli, gzip or the bytes as they are.</summary>
    public Representation Select(string? acceptEncoding)
    {
        var accepted = AcceptEncoding.Parse(acceptEncoding);
        if (Brotli is not null && accepted.Brotli)
        {
            return new Representation(Brotli, "br", Tagged("br"));
        }

        if (Gzip is not null && accepted.Gzip)
        {
            return new Representation(Gzip, "gzip", Tagged("gz"));
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
            if (tag == "*" || tag == ETag || tag == Tagged("br") || tag == Tagged("gz"))
            {
                return true;
            }
        }

        return false;
    }

    private string Tagged(string coding) => $"{ETag[..^1]}.{coding}\"";

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

    private static byte[] BrotliOf(byte[] bytes)
    {
        // Quality 11 (the best) once per file and process: the page is a few hundred KB at most.
        var output = new byte[BrotliEncoder.GetMaxCompressedLength(bytes.Length)];
        return BrotliEncoder.TryCompress(bytes, output, out var written, quality: 11, window: 22)
            ? output[..written]
            : bytes; // cannot happen with a buffer of the maximum length; "not smaller" drops it
    }
}

/// <summary>What goes on the wire: the bytes, their Content-Encoding (null for none) and their ETag.</summary>
internal sealed record Representation(byte[] Body, string? ContentEncoding, string ETag);
