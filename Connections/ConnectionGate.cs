using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Connections;

/// <summary>
/// The server's public port. Every connection from the network comes through here: the gate holds
/// the caps (in total and per address), reads and checks each request head under a deadline, then
/// relays the connection to the HTTP host listening on loopback. Ownership: the accept loop and the
/// sweeper are children of the server's root group; each connection is a child of the
/// <c>connections</c> group it is given, and <see cref="StopAsync"/> closes the port and every connection.
/// </summary>
internal sealed partial class ConnectionGate
{
    private readonly Socket _listener;
    private readonly Lock _gate = new();
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private readonly HashSet<GatedConnection> _open = [];
    private volatile bool _stopped;

    private ConnectionGate(Socket listener, ConnectionLimits limits, PeerStamp peer, TimeProvider time, Log log)
    {
        _listener = listener;
        Limits = limits;
        Peer = peer;
        Time = time;
        Log = log;
        Counters = new ConnectionCounters(log);
    }

    public ConnectionLimits Limits { get; }

    public PeerStamp Peer { get; }

    public TimeProvider Time { get; }

    public Log Log { get; }

    public ConnectionCounters Counters { get; }

    /// <summary>Where relayed connections go: the HTTP host's loopback endpoint (set before accepting starts).</summary>
    public IPEndPoint? Upstream { get; set; }

    public int Open
    {
        get
        {
            lock (_gate)
            {
                return _open.Count;
            }
        }
    }

    /// <summary>Binds the public port, or throws a <see cref="StartupException"/> naming it when it is taken;
    /// the sentence names the flags that chose the address (<paramref name="hostFlag"/>, <paramref name="portFlag"/>).</summary>
    public static ConnectionGate Start(string host, int port, ConnectionLimits limits, TimeProvider time, Log log, string hostFlag = "--host", string portFlag = "--port")
    {
        var listener = ListeningSocket.Bind(host, port, hostFlag, portFlag);
        return new ConnectionGate(listener, limits, new PeerStamp(), time, log);
    }

    /// <summary>Accepts until <see cref="StopAsync"/>; each admitted connection becomes a child of <paramref name="connections"/>.</summary>
    public async Task AcceptLoopAsync(TaskGroup connections)
    {
        while (await ListeningSocket.AcceptAsync(_listener, () => _stopped, ex => Counters.Count(ConnectionEnd.ServerFull, "unknown", Reasons.Of(ex))) is { } socket)
        {
            Counters.CountAccepted();
            GatedConnection? connection;
            try
            {
                connection = Admit(socket);
            }
            catch (Exception ex)
            {
                // One connection's fault is that connection's alone: the port keeps accepting.
                Log.Exception(LogLevel.Warn, "connections", "could not admit a connection", ex);
                socket.Dispose();
                continue;
            }

            if (connection is null)
            {
                continue;
            }

            try
            {
                connections.Spawn("connection", connection.RunAsync);
            }
            catch (Exception ex)
            {
                // The server is stopping (or the group refused the child): close rather than leave it unowned.
                Log.Debug("connections", "could not start a connection", ("reason", Reasons.Of(ex)));
                connection.Dispose();
                Release(connection);
            }
        }
    }

    /// <summary>Ends the connections whose phase has outlived its deadline; runs until the server stops.</summary>
    public async Task SweepLoopAsync(CancellationToken cancellationToken)
    {
        var shortest = new[] { Limits.HeaderTimeout, Limits.KeepAliveTimeout, Limits.BodyGracePeriod }.Min();
        var period = TimeSpan.FromTicks(Math.Clamp(shortest.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromSeconds(1).Ticks));
        using var timer = new PeriodicTimer(period);
        while (await WaitAsync(timer, cancellationToken))
        {
            var now = Time.GetTimestamp();
            foreach (var connection in OpenConnections())
            {
                try
                {
                    connection.CheckDeadlines(now);
                }
                catch (Exception ex)
                {
                    // One connection's fault must not stop the deadlines of all the others.
                    Log.Exception(LogLevel.Warn, "connections", "could not check a connection's deadlines", ex);
                }
            }
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// Waits (up to <paramref name="limit"/>) until no connection holds bytes the HTTP host has
    /// written but the relay has not yet read: called before the host stops, whose closing would
    /// reset those connections and discard them (a 503 to a request the stop cancelled, say).
    /// </summary>
    public async Task DeliverWrittenAsync(TimeSpan limit, IPEndPoint? only = null)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            if (!OpenConnections().Any(c => c.IsRelaying && (only is null || c.Remote.Equals(only))))
            {
                return;
            }

            await Task.Delay(5);
        }
    }

    /// <summary>
    /// Closes the port, gives the connections still open up to <paramref name="grace"/> to deliver
    /// what the HTTP host already answered (once the host has stopped, each ends by itself), then
    /// closes the rest.
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        _stopped = true;
        _listener.Dispose();
        var clock = Stopwatch.StartNew(); // real time: shutdown is bounded in seconds that really pass
        while (Open > 0 && clock.Elapsed < grace)
        {
            await Task.Delay(10);
        }

        Close();
    }

    /// <summary>Closes the port and every connection at once (a start that failed after binding; the end of <see cref="StopAsync"/>).</summary>
    public void Close()
    {
        _stopped = true;
        _listener.Dispose();
        foreach (var connection in OpenConnections())
        {
            connection.Abort();
        }
    }

    private GatedConnection[] OpenConnections()
    {
        lock (_gate)
        {
            return [.. _open];
        }
    }
}
