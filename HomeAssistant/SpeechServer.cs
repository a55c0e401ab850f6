using System.Net;
using System.Net.Sockets;
using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Connections;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Sessions;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.HomeAssistant;

/// <summary>
/// A Wyoming speech-to-text server for Home Assistant's voice assistant, on the engine the server
/// already has loaded. Ownership: the accept loop is a child of the server's root group and owns the
/// group every connection runs in; each connection is a TaskGroup of its own (<c>wyoming PEER</c>),
/// counted against <c>--max-sessions</c> from accept to close, and awaited to its end like a device
/// session. Voice commands go to the scheduler's interactive lane, ahead of devices and the backlog.
/// </summary>
internal sealed class SpeechServer
{
    private readonly Socket _listener;
    private readonly SpeechServerOptions _options;
    private readonly SpeechContext _context;
    private volatile bool _stopped;

    private SpeechServer(Socket listener, SpeechServerOptions options, SpeechContext context)
    {
        _listener = listener;
        EndPoint = (IPEndPoint)listener.LocalEndPoint!;
        _options = options;
        _context = context;
    }

    /// <summary>Binds the port, or throws <see cref="StartupException"/> saying in one sentence why it cannot (a start that cannot is a failed start).</summary>
    public static SpeechServer Start(SpeechServerOptions options, SpeechContext context)
    {
        var listener = ListeningSocket.Bind(options.Host, options.Port, "--wyoming-listen", "--wyoming-listen");
        context.Log.Info("wyoming", "speech-to-text server listening for Home Assistant", ("address", listener.LocalEndPoint?.ToString()),
            ("model", context.Engine.Model), ("languages", context.Engine.Languages.Count == 1 ? context.Engine.Languages[0] : $"{context.Engine.Languages.Count}"),
            ("store", options.Store));
        return new SpeechServer(listener, options, context);
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Connections open now, and what they have done: for <c>/metrics</c> and tests.</summary>
    public SpeechCounters Counters => _context.Counters;

    /// <summary>
    /// Accepts until <see cref="Stop"/>; every connection runs in <paramref name="connections"/>,
    /// which this loop owns: it returns only once each connection has ended.
    /// </summary>
    public async Task AcceptLoopAsync(TaskGroup connections)
    {
        try
        {
            while (await ListeningSocket.AcceptAsync(_listener, () => _stopped, ex => _context.Log.Debug("wyoming", "accept failed", ("reason", Reasons.Of(ex)))) is { } socket)
            {
                Admit(socket, connections);
            }
        }
        finally
        {
            await connections.DisposeQuietlyAsync();
        }
    }

    /// <summary>Stops accepting; connections are ended by their group's cancellation.</summary>
    public void Stop()
    {
        _stopped = true;
        _listener.Dispose();
    }

    /// <summary>
    /// One connection, from its first byte to its socket closed. Never throws: a fault of one
    /// connection, named or not, ends that connection alone and never the group its neighbours run in.
    /// </summary>
    private async Task ServeAsync(Socket socket, string peer, bool admitted, TaskGroup connections)
    {
        SpeechConnection? connection = null;
        try
        {
            connection = new SpeechConnection(socket, peer, _options, _context);
            await connection.RunAsync(admitted, connections); // gives its place in the registry back itself
        }
        catch (Exception ex)
        {
            if (connection is null && admitted)
            {
                _context.Sessions.ReleaseOther(); // it reset before it could be served
            }

            _context.Log.Exception(connection is null ? LogLevel.Debug : LogLevel.Error, "wyoming", $"the connection of {peer} ended with a fault", ex);
        }
        finally
        {
            if (connection is null)
            {
                socket.Dispose();
            }
            else
            {
                connection.Dispose();
            }
        }
    }

    private void Admit(Socket socket, TaskGroup connections)
    {
        var peer = "unknown";
        var admitted = false;
        try
        {
            socket.NoDelay = true;
            peer = socket.RemoteEndPoint?.ToString() ?? peer;
            admitted = _context.Sessions.TryReserveOther();
            connections.Spawn($"wyoming {peer}", _ => ServeAsync(socket, peer, admitted, connections));
        }
        catch (Exception ex)
        {
            // The group is stopping (the server is), or this one connection reset or could not be set up: only it is refused.
            if (admitted)
            {
                _context.Sessions.ReleaseOther();
            }

            _context.Log.Debug("wyoming", "a connection was not started", ("remote", peer), ("reason", Reasons.Of(ex)));
            socket.Dispose();
        }
    }
}

/// <summary>What every connection of the speech server shares: the engine, its description, the registry that counts connections, storage and the log.</summary>
internal sealed record SpeechContext(
    TranscriptionScheduler? Scheduler,
    EngineDescription Engine,
    SessionRegistry Sessions,
    CommandArchive? Archive,
    string Version,
    Log Log)
{
    /// <summary>The <c>info</c> event, made once.</summary>
    public byte[] Info { get; } = SpeechEvents.Info(Engine, Version);

    public SpeechCounters Counters { get; } = new();
}

/// <summary>The speech server's counts.</summary>
internal sealed class SpeechCounters
{
    private int _open;
    private long _transcripts;
    private long _errors;

    public int Open => Volatile.Read(ref _open);

    /// <summary>Transcripts sent.</summary>
    public long Transcripts => Interlocked.Read(ref _transcripts);

    /// <summary><c>error</c> events sent (a bad event, a command too long, a model that cannot take the language, a full server).</summary>
    public long Errors => Interlocked.Read(ref _errors);

    public void Opened() => Interlocked.Increment(ref _open);

    public void Closed() => Interlocked.Decrement(ref _open);

    public void Transcribed() => Interlocked.Increment(ref _transcripts);

    public void Refused() => Interlocked.Increment(ref _errors);
}
