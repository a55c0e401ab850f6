using System.Globalization;

namespace FriendLite.Edge.Http;

/// <summary>What a request's <c>Range</c> header asks of a resource of a known length.</summary>
internal enum RangeKind
{
    /// <summary>No Range header, one this server ignores (another unit, malformed, several ranges): the whole resource, 200.</summary>
    Whole,

    /// <summary>One satisfiable range: 206 with <see cref="ByteRange.Start"/> and <see cref="ByteRange.Length"/>.</summary>
    Partial,

    /// <summary>A range that starts past the end (or a zero-length suffix): 416 with <c>Content-Range: bytes */length</c>.</summary>
    Unsatisfiable,
}

/// <summary>
/// One HTTP byte range (RFC 9110 §14): <c>bytes=a-b</c>, <c>bytes=a-</c> and the suffix <c>bytes=-n</c>.
/// A request for several ranges gets the whole resource (a server may ignore Range; browsers' players
/// ask for one), which spares a multipart/byteranges body.
/// </summary>
internal readonly record struct ByteRange(RangeKind Kind, long Start, long Length)
{
    public long End => Start + Length - 1;

    /// <summary>The <c>Content-Range</c> value of this answer for a resource of <paramref name="total"/> bytes.</summary>
    public string ContentRange(long total) =>
        Kind == RangeKind.Partial ? string.Create(CultureInfo.InvariantCulture, $"bytes {Start}-{End}/{total}") : string.Create(CultureInfo.InvariantCulture, $"bytes */{total}");

    public static ByteRange Parse(string? header, long length)
    {
        var whole = new ByteRange(RangeKind.Whole, 0, length);
        if (string.IsNullOrWhiteSpace(header))
        {
            return whole;
        }

        var equals = header.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0 || !header[..equals].Trim().Equals("bytes", StringComparison.OrdinalIgnoreCase))
        {
            return whole;
        }

        var specs = header[(equals + 1)..].Split(',', StringSplitOptions.TrimEntries);
        if (specs.Length != 1)
        {
            return whole;
        }

        var spec = specs[0];
        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return whole;
        }

        var first = spec[..dash];
        var last = spec[(dash + 1)..];
        if (first.Length == 0)
        {
            // A suffix: the last n bytes (all of them when n is larger).
            if (!TryNumber(last, out var suffix))
            {
                return whole;
            }

            return suffix == 0 || length == 0
                ? new ByteRange(RangeKind.Unsatisfiable, 0, 0)
                : new ByteRange(RangeKind.Partial, Math.Max(0, length - suffix), Math.Min(suffix, length));
        }

        if (!TryNumber(first, out var start))
        {
            return whole;
        }

        var end = long.MaxValue;
        if (last.Length > 0 && (!TryNumber(last, out end) || end < start))
        {
            return whole;
        }

        return start >= length
            ? new ByteRange(RangeKind.Unsatisfiable, 0, 0)
            : new ByteRange(RangeKind.Partial, start, Math.Min(end, length - 1) - start + 1);
    }

    private static bool TryNumber(string text, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
