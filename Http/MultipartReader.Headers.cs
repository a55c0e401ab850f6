using System.Globalization;
using System.Text;

namespace FriendLite.Edge.Http;

/// <summary>The boundary from the request's Content-Type, and each part's Content-Disposition and Content-Type.</summary>
internal sealed partial class MultipartReader
{
    /// <summary>The boundary of a multipart/form-data Content-Type; 415 for another type, 400 for a missing or invalid boundary.</summary>
    public static string Boundary(string? contentType)
    {
        var (type, parameters) = SplitParameters(contentType ?? "");
        if (!string.Equals(type, "multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            throw new HttpError(415, $"The upload must be multipart/form-data, not {(type.Length == 0 ? "missing" : type)}: e.g. curl -F files=@recording.wav.");
        }

        // RFC 2046: 1 to 70 characters, and never ending in a space.
        var boundary = parameters.GetValueOrDefault("boundary");
        if (boundary is null || boundary.Length is 0 or > 70 || boundary.EndsWith(' ') || boundary.Any(c => c is < ' ' or > '~'))
        {
            throw new HttpError(400, "The multipart Content-Type has no valid boundary (1 to 70 printable characters).");
        }

        return boundary;
    }

    /// <summary>A part's header block as a section: its Content-Disposition's name and file name, its Content-Type.</summary>
    private static MultipartSection Parse(string headerBlock)
    {
        string? disposition = null;
        string? contentType = null;
        foreach (var line in headerBlock.Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw Malformed("has a part header that is not 'Name: value'");
            }

            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Disposition", StringComparison.OrdinalIgnoreCase))
            {
                disposition = value;
            }
            else if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                contentType = value;
            }
        }

        var (kind, parameters) = SplitParameters(disposition ?? "");
        if (!kind.Equals("form-data", StringComparison.OrdinalIgnoreCase) || parameters.GetValueOrDefault("name") is not { } field)
        {
            throw Malformed("has a part without 'Content-Disposition: form-data; name=...'");
        }

        var fileName = parameters.TryGetValue("filename*", out var extended) ? DecodeExtended(extended) : parameters.GetValueOrDefault("filename");
        return new MultipartSection(field, fileName is null ? null : BaseName(fileName), contentType);
    }

    /// <summary>Splits <c>type; a=b; c="d"</c>; parameter names are case-insensitive, quoted values unquoted.</summary>
    private static (string Value, Dictionary<string, string> Parameters) SplitParameters(string header)
    {
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var parts = SplitOutsideQuotes(header);
        for (var i = 1; i < parts.Count; i++)
        {
            var equals = parts[i].IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                parameters.TryAdd(parts[i][..equals].Trim(), Unquote(parts[i][(equals + 1)..].Trim()));
            }
        }

        return (parts.Count > 0 ? parts[0].Trim() : "", parameters);
    }

    private static List<string> SplitOutsideQuotes(string header)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < header.Length; i++)
        {
            var c = header[i];
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == '\\' && quoted && i + 1 < header.Length && header[i + 1] is '"' or '\\')
            {
                current.Append(c).Append(header[++i]);
                continue;
            }
            else if (c == ';' && !quoted)
            {
                parts.Add(current.ToString());
                current.Clear();
                continue;
            }

            current.Append(c);
        }

        parts.Add(current.ToString());
        return parts;
    }

    /// <summary>
    /// A quoted string's content. Only <c>\"</c> and <c>\\</c> are escapes: browsers percent-encode
    /// quotes in file names instead, and a Windows path's backslashes stay as they are.
    /// </summary>
    private static string Unquote(string value)
    {
        if (value.Length < 2 || value[0] != '"' || value[^1] != '"')
        {
            return value;
        }

        var inner = value[1..^1];
        var text = new StringBuilder(inner.Length);
        for (var i = 0; i < inner.Length; i++)
        {
            if (inner[i] == '\\' && i + 1 < inner.Length && inner[i + 1] is '"' or '\\')
            {
                i++;
            }

            text.Append(inner[i]);
        }

        return text.ToString();
    }

    /// <summary>RFC 5987's <c>UTF-8''name%20with%20spaces</c>; anything else as it is.</summary>
    private static string DecodeExtended(string value)
    {
        var quote = value.IndexOf("''", StringComparison.Ordinal);
        if (quote < 0)
        {
            return value;
        }

        try
        {
            return Uri.UnescapeDataString(value[(quote + 2)..]);
        }
        catch (UriFormatException)
        {
            return value[(quote + 2)..];
        }
    }

    /// <summary>The last segment of a file name some clients send as a whole path (<c>C:\rec\a.wav</c>).</summary>
    private static string BaseName(string fileName)
    {
        var slash = fileName.LastIndexOfAny(['/', '\\']);
        return slash >= 0 && slash < fileName.Length - 1 ? fileName[(slash + 1)..] : fileName;
    }

    /// <summary>A size as a person reads it: <c>1 GiB</c>, <c>512 MiB</c>, <c>64 KiB</c> or bytes.</summary>
    public static string DescribeSize(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes >> 30} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.#} MiB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
    };
}
