using System.Globalization;
using System.Text;

namespace FriendLite.Edge.Connections;

/// <summary>Why a request head was refused: the status and the one sentence the client is told.</summary>
internal sealed class HeadRefusal(int status, string detail, params (string Name, string Value)[] headers) : Exception(detail)
{
    public int Status { get; } = status;

    public (string Name, string Value)[] Headers { get; } = headers;
}

/// <summary>
/// One HTTP/1.x request head, parsed strictly (RFC 9112) before anything else sees it: request
/// line, header fields, and the framing of the body that follows. Anything ambiguous (two lengths,
/// a length and chunks, folded lines, bare CRs, control bytes) is refused rather than guessed, so
/// the HTTP host behind the gate only ever reads heads the gate has understood the same way.
/// </summary>
internal sealed partial class RequestHead
{
    public const int MaxTargetBytes = 8 * 1024;
    public const int MaxHeaderFields = 100;
    private static readonly Encoding s_latin1 = Encoding.Latin1;

    private RequestHead(string method, string target, bool http10, List<(string Name, string Value)> fields)
    {
        Method = method;
        Target = target;
        IsHttp10 = http10;
        Fields = fields;
    }

    public string Method { get; }

    /// <summary>The origin-form target (<c>/path?query</c>).</summary>
    public string Target { get; }

    public bool IsHttp10 { get; }

    public IReadOnlyList<(string Name, string Value)> Fields { get; }

    /// <summary>The body's length, or -1 when it is chunked or absent.</summary>
    public long ContentLength { get; private set; } = -1;

    public bool IsChunked { get; private set; }

    /// <summary>A WebSocket upgrade: after the head, bytes flow both ways unparsed.</summary>
    public bool IsUpgrade { get; private set; }

    /// <summary>Whether the client wants the connection kept for another request.</summary>
    public bool KeepAlive { get; private set; }

    /// <summary>The index just past the blank line ending the head in <paramref name="buffer"/>, or -1 when it has not arrived yet.</summary>
    public static int FindEnd(ReadOnlySpan<byte> buffer)
    {
        for (var i = buffer.IndexOf((byte)'\n'); i >= 0 && i < buffer.Length; i = NextLineFeed(buffer, i + 1))
        {
            if (i + 1 < buffer.Length && buffer[i + 1] == '\n')
            {
                return i + 2;
            }

            if (i + 2 < buffer.Length && buffer[i + 1] == '\r' && buffer[i + 2] == '\n')
            {
                return i + 3;
            }
        }

        return -1;
    }

    /// <summary>How many empty lines (CRLF or LF) open the buffer: RFC 9112 lets a server skip them before a request line.</summary>
    public static int LeadingEmptyLines(ReadOnlySpan<byte> buffer)
    {
        var skip = 0;
        while (true)
        {
            if (skip < buffer.Length && buffer[skip] == '\n')
            {
                skip++;
            }
            else if (skip + 1 < buffer.Length && buffer[skip] == '\r' && buffer[skip + 1] == '\n')
            {
                skip += 2;
            }
            else
            {
                return skip;
            }
        }
    }

    /// <summary>
    /// The head as the HTTP host behind the gate receives it: the same request with <c>Host</c> set
    /// to the host's own address, the peer line added (any copy the client sent is dropped), a
    /// chunked body's framing replaced by the length of its decoded bytes, and a zero length where
    /// a body-carrying method sent no framing (HttpListener would answer 411).
    /// </summary>
    public byte[] Rewrite(string host, string peerField, string peerValue, long decodedLength = -1)
    {
        var text = new StringBuilder(256);
        text.Append(Method).Append(' ').Append(Target).Append(IsHttp10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
        text.Append("Host: ").Append(host).Append("\r\n");
        text.Append(peerField).Append(": ").Append(peerValue).Append("\r\n");
        var lengthWritten = false;
        foreach (var (name, value) in Fields)
        {
            if (Is(name, "Host") || Is(name, peerField) || (IsChunked && (Is(name, "Transfer-Encoding") || Is(name, "Expect"))))
            {
                continue;
            }

            if (Is(name, "Content-Length"))
            {
                if (lengthWritten)
                {
                    continue; // equal duplicates were checked; one is enough
                }

                lengthWritten = true;
            }

            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        if (IsChunked)
        {
            text.Append(CultureInfo.InvariantCulture, $"Content-Length: {decodedLength}\r\n");
        }
        else if (ContentLength < 0 && Method is not ("GET" or "HEAD"))
        {
            text.Append("Content-Length: 0\r\n");
        }

        return s_latin1.GetBytes(text.Append("\r\n").ToString());
    }

    public string? Field(string name)
    {
        foreach (var (fieldName, value) in Fields)
        {
            if (Is(fieldName, name))
            {
                return value;
            }
        }

        return null;
    }

    private static bool Is(string name, string expected) => name.Equals(expected, StringComparison.OrdinalIgnoreCase);

    private static int NextLineFeed(ReadOnlySpan<byte> buffer, int from)
    {
        var next = buffer[from..].IndexOf((byte)'\n');
        return next < 0 ? -1 : from + next;
    }
}
