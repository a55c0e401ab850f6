using System.Globalization;

namespace FriendLite.Edge.Server;

/// <summary>An address to listen on, as <c>--metrics-listen HOST:PORT</c> gives it (<c>127.0.0.1:9100</c>, <c>[::1]:9100</c>, <c>0.0.0.0:9100</c>).</summary>
internal sealed record ListenAddress(string Host, int Port)
{
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    /// <summary>Parses <c>HOST:PORT</c> (an IPv6 host in brackets), or throws <see cref="FormatException"/> saying what it should be.</summary>
    public static ListenAddress Parse(string text)
    {
        const string problem = "is not HOST:PORT (e.g. 127.0.0.1:9100, or [::1]:9100 for IPv6)";
        var colon = text.LastIndexOf(':');
        if (colon <= 0
            || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new FormatException(problem);
        }

        var host = text[..colon];
        var bracketed = host.Length > 2 && host[0] == '[' && host[^1] == ']';
        if (bracketed)
        {
            host = host[1..^1];
        }

        var bad = host.Length == 0 || host.Contains('/', StringComparison.Ordinal) || host.Contains(' ', StringComparison.Ordinal)
            || host.Contains('[', StringComparison.Ordinal) || host.Contains(']', StringComparison.Ordinal)
            || (host.Contains(':', StringComparison.Ordinal) && !bracketed);
        return bad ? throw new FormatException(problem) : new ListenAddress(host, port);
    }
}
