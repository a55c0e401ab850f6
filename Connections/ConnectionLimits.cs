namespace FriendLite.Edge.Connections;

/// <summary>
/// Limits in time and space on every connection from the network, in the spirit of Kestrel's:
/// each phase of a connection has a deadline, and no address can hold more than its share.
/// </summary>
internal sealed record ConnectionLimits
{
    /// <summary>Connections open at once; at start it is lowered to what the descriptor limit allows.</summary>
    public int MaxConnections { get; init; } = 4096;

    /// <summary>Connections one remote address may hold at once (a reverse proxy counts as one address).</summary>
    public int MaxConnectionsPerAddress { get; init; } = 64;

    /// <summary>From the first byte of a request (or the connection's opening) to the end of its headers.</summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a kept-alive connection may sit between requests. Shorter than the HTTP host's own
    /// 15 s, so the gate, which knows no request is under way, is the side that closes.
    /// </summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A request body must average at least this rate once <see cref="BodyGracePeriod"/> has passed.</summary>
    public double MinBodyBytesPerSecond { get; init; } = 240;

    public TimeSpan BodyGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A chunked body is decoded whole before it is forwarded; the API's bodies are far smaller.</summary>
    public int MaxChunkedBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>The request line and headers together.</summary>
    public int MaxHeadBytes { get; init; } = 32 * 1024;

    /// <summary>
    /// A pause tests inject into the relay of the host's answers, before it takes bytes from the
    /// host (<see cref="RelayStage.Read"/>) or before it writes them to the client
    /// (<see cref="RelayStage.Write"/>): the scheduling delay of a loaded machine, made certain.
    /// Null in the shipped server.
    /// </summary>
    public Func<RelayStage, Task>? RelayPause { get; init; }

    /// <summary>Every descriptor a relayed connection can need: the client's socket, the relay's, and the host's end of it.</summary>
    public const int DescriptorsPerConnection = 3;

    /// <summary>The connection cap the descriptor limit leaves room for, keeping some for the database, WAV files and models.</summary>
    public ConnectionLimits FitTo(long descriptorLimit)
    {
        var room = (descriptorLimit - 128) / DescriptorsPerConnection;
        return room >= MaxConnections ? this : this with { MaxConnections = (int)Math.Max(16, room) };
    }
}

/// <summary>Where in the relay of the host's answers a test's pause (<see cref="ConnectionLimits.RelayPause"/>) applies.</summary>
internal enum RelayStage
{
    Read,
    Write,
}
