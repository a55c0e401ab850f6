using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Connections;

/// <summary>Why the gate ended or refused a connection. Each has one wording, in logs and in answers.</summary>
internal enum ConnectionEnd
{
    /// <summary>The server already held <see cref="ConnectionLimits.MaxConnections"/>.</summary>
    ServerFull,

    /// <summary>The client's address already held <see cref="ConnectionLimits.MaxConnectionsPerAddress"/>.</summary>
    AddressFull,

    /// <summary>The request's headers did not arrive within <see cref="ConnectionLimits.HeaderTimeout"/>.</summary>
    HeaderTimeout,

    /// <summary>The request body arrived slower than <see cref="ConnectionLimits.MinBodyBytesPerSecond"/>.</summary>
    BodyTooSlow,

    /// <summary>A kept-alive connection sat idle past <see cref="ConnectionLimits.KeepAliveTimeout"/> (normal, not a refusal).</summary>
    Idle,

    /// <summary>The request head was malformed or too large.</summary>
    BadRequest,
}

/// <summary>
/// What the gate counts, for diagnostics, and its refusal log: each refusal is counted, and logged
/// at most once per reason every 10 s with how many were not logged, so a flood cannot flood the journal.
/// </summary>
internal sealed class ConnectionCounters(Log log)
{
    private readonly long[] _ends = new long[Enum.GetValues<ConnectionEnd>().Length];
    private long _accepted;

    public long Accepted => Interlocked.Read(ref _accepted);

    public long this[ConnectionEnd end] => Interlocked.Read(ref _ends[(int)end]);

    public void CountAccepted() => Interlocked.Increment(ref _accepted);

    public void Count(ConnectionEnd end, string remote, string detail)
    {
        Interlocked.Increment(ref _ends[(int)end]);
        if (end != ConnectionEnd.Idle)
        {
            log.Refusal(LogLevel.Warn, Wording(end), "connections", "refused", ("reason", Wording(end)), ("remote", remote), ("detail", detail));
        }
    }

    public static string Wording(ConnectionEnd end) => end switch
    {
        ConnectionEnd.ServerFull => "server_full",
        ConnectionEnd.AddressFull => "address_full",
        ConnectionEnd.HeaderTimeout => "header_timeout",
        ConnectionEnd.BodyTooSlow => "body_too_slow",
        ConnectionEnd.Idle => "idle",
        _ => "bad_request",
    };
}
