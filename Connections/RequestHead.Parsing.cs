using System.Globalization;

namespace FriendLite.Edge.Connections;

/// <summary>Parsing a request head: lines, request line, header fields, then the body's framing.</summary>
internal sealed partial class RequestHead
{
    /// <summary>Parses a complete head (as found by <see cref="FindEnd"/>), or throws a <see cref="HeadRefusal"/> saying what is wrong.</summary>
    public static RequestHead Parse(ReadOnlySpan<byte> head)
    {
        var lines = SplitLines(head);
        var (method, target, http10) = ParseRequestLine(lines[0]);
        var fields = new List<(string Name, string Value)>();
        foreach (var line in lines.Skip(1))
        {
            if (fields.Count == MaxHeaderFields)
            {
                throw new HeadRefusal(431, $"The request has more than {MaxHeaderFields} header fields.");
            }

            fields.Add(ParseField(line));
        }

        var request = new RequestHead(method, target, http10, fields);
        request.ReadFraming();
        return request;
    }

    private void ReadFraming()
    {
        var hosts = Fields.Count(f => Is(f.Name, "Host"));
        if (hosts > 1 || (hosts == 0 && !IsHttp10))
        {
            throw new HeadRefusal(400, hosts == 0 ? "The request has no Host header." : "The request has more than one Host header.");
        }

        foreach (var (name, value) in Fields.Where(f => Is(f.Name, "Content-Length")))
        {
            if (value.Length is 0 or > 15 || !value.All(char.IsAsciiDigit))
            {
                throw new HeadRefusal(400, "Content-Length must be a whole number of bytes.");
            }

            var length = long.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
            if (ContentLength >= 0 && ContentLength != length)
            {
                throw new HeadRefusal(400, "The request has two different Content-Length values.");
            }

            ContentLength = length;
        }

        if (Field("Transfer-Encoding") is { } coding)
        {
            if (IsHttp10 || ContentLength >= 0)
            {
                throw new HeadRefusal(400, IsHttp10 ? "HTTP/1.0 requests cannot use Transfer-Encoding." : "A request cannot have both Content-Length and Transfer-Encoding.");
            }

            if (Fields.Count(f => Is(f.Name, "Transfer-Encoding")) > 1 || !coding.Trim().Equals("chunked", StringComparison.OrdinalIgnoreCase))
            {
                throw new HeadRefusal(501, "Only the chunked transfer coding is supported.");
            }

            IsChunked = true;
        }

        var connection = Tokens("Connection");
        KeepAlive = IsHttp10 ? connection.Contains("keep-alive") : !connection.Contains("close");
        IsUpgrade = Method == "GET" && connection.Contains("upgrade") && Tokens("Upgrade").Contains("websocket");
    }

    private HashSet<string> Tokens(string name)
    {
        var tokens = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (fieldName, value) in Fields)
        {
            if (Is(fieldName, name))
            {
                foreach (var token in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    tokens.Add(token);
                }
            }
        }

        return tokens;
    }

    private static List<string> SplitLines(ReadOnlySpan<byte> head)
    {
        var lines = new List<string>();
        while (head.Length > 0)
        {
            var end = head.IndexOf((byte)'\n');
            var line = head[..end];
            if (line.Length > 0 && line[^1] == '\r')
            {
                line = line[..^1];
            }

            if (line.Length == 0)
            {
                break; // the blank line that ends the head
            }

            if (line.Contains((byte)'\r') || line.Contains((byte)0))
            {
                throw new HeadRefusal(400, "The request head contains a stray CR or NUL byte.");
            }

            lines.Add(s_latin1.GetString(line));
            head = head[(end + 1)..];
        }

        return lines.Count > 0 ? lines : throw new HeadRefusal(400, "The request has no request line.");
    }

    private static (string Method, string Target, bool Http10) ParseRequestLine(string line)
    {
        var parts = line.Split(' ');
        if (parts.Length != 3 || parts[0].Length == 0 || !parts[0].All(IsTokenChar))
        {
            throw new HeadRefusal(400, "The request line must be METHOD /path HTTP/1.1.");
        }

        var target = parts[1];
        if (target.Length > MaxTargetBytes)
        {
            throw new HeadRefusal(414, $"The request target is longer than {MaxTargetBytes / 1024} KiB.");
        }

        if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(target, UriKind.Absolute, out var absolute))
        {
            target = absolute.PathAndQuery; // absolute-form, as sent to a proxy: the path is what routes
        }

        if (target.Length == 0 || target[0] != '/' || !target.All(c => c is > ' ' and < (char)0x7F))
        {
            throw new HeadRefusal(400, "The request target must be a path such as /health.");
        }

        return parts[2] switch
        {
            "HTTP/1.1" => (parts[0], target, false),
            "HTTP/1.0" => (parts[0], target, true),
            var version when version.Length == 8 && version.StartsWith("HTTP/", StringComparison.Ordinal) && char.IsAsciiDigit(version[5]) && version[6] == '.' && char.IsAsciiDigit(version[7])
                => throw new HeadRefusal(505, "Only HTTP/1.0 and HTTP/1.1 are supported."),
            _ => throw new HeadRefusal(400, "The request line must be METHOD /path HTTP/1.1."),
        };
    }

    private static (string Name, string Value) ParseField(string line)
    {
        if (line[0] is ' ' or '\t')
        {
            throw new HeadRefusal(400, "Folded header lines are not accepted.");
        }

        var colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !line[..colon].All(IsTokenChar))
        {
            throw new HeadRefusal(400, "A header line must be Name: value.");
        }

        var value = line[(colon + 1)..].Trim(' ', '\t');
        if (value.Any(c => c < ' ' && c != '\t' || c == (char)0x7F))
        {
            throw new HeadRefusal(400, $"The {line[..colon]} header contains a control character.");
        }

        return (line[..colon], value);
    }

    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
}
