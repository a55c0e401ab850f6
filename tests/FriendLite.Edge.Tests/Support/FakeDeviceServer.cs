using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using FriendLite.Edge.Concurrency;

namespace FriendLite.Edge.Tests.Support;

/// <summary>
/// A stand-in for the server's device endpoints: an HttpListener on 127.0.0.1 that accepts WebSocket
/// upgrades on any path and records every frame, or refuses upgrades with a status code. Ownership:
/// the accept loop and every connection are children of one group, awaited by <see cref="DisposeAsync"/>.
/// </summary>
internal sealed class FakeDeviceServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly TaskGroup _group = new("fake-device-server");
    private readonly ConcurrentQueue<FakeConnection> _connections = new();
    private int _refused;
    private volatile bool _stopping;

    private FakeDeviceServer(HttpListener listener, int port, int? refuseWith, Func<int, FakeClose?>? closeAfterFrames)
    {
        _listener = listener;
        Port = port;
        RefuseWith = refuseWith;
        CloseAfterFrames = closeAfterFrames;
    }

    public int Port { get; }

    /// <summary>Answer every upgrade with this HTTP status instead of accepting it.</summary>
    public int? RefuseWith { get; }

    /// <summary>For connection n (1-based): close it with this code after this many frames, or null to keep it.</summary>
    public Func<int, FakeClose?>? CloseAfterFrames { get; }

    public IReadOnlyList<FakeConnection> Connections => [.. _connections];

    public int Refused => Volatile.Read(ref _refused);

    public string Url(string path) => $"ws://127.0.0.1:{Port}{path}";

    public static FakeDeviceServer Start(int? refuseWith = null, Func<int, FakeClose?>? closeAfterFrames = null)
    {
        // Another process can take the port between probing and binding: try a few.
        for (var attempt = 0; ; attempt++)
        {
            var port = TestServer.FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
                continue;
            }

            var server = new FakeDeviceServer(listener, port, refuseWith, closeAfterFrames);
            server._group.Spawn("accept", _ => server.AcceptLoopAsync());
            return server;
        }
    }

    /// <summary>Polls until <paramref name="condition"/> holds: connection handlers finish after the client has moved on.</summary>
    public async Task WaitUntilAsync(Func<FakeDeviceServer, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!condition(this))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for: {what}");
            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        _listener.Stop();
        _listener.Close();
        await _group.DisposeAsync();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stopping)
            {
                return;
            }

            if (RefuseWith is { } status || !context.Request.IsWebSocketRequest)
            {
                Interlocked.Increment(ref _refused);
                context.Response.StatusCode = RefuseWith ?? 400;
                context.Response.Close();
                continue;
            }

            var connection = new FakeConnection(_connections.Count + 1, context.Request.Url!.AbsolutePath,
                context.Request.QueryString["device_name"], context.Request.QueryString["token"]);
            _connections.Enqueue(connection);
            _group.Spawn($"connection-{connection.Number}", ct => ServeAsync(context, connection, ct));
        }
    }

    private async Task ServeAsync(HttpListenerContext context, FakeConnection connection, CancellationToken cancellationToken)
    {
        WebSocket? socket = null;
        try
        {
            socket = (await context.AcceptWebSocketAsync(subProtocol: null)).WebSocket;
            var closeAfter = CloseAfterFrames?.Invoke(connection.Number);
            var buffer = new byte[64 * 1024];
            var message = new MemoryStream();
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    connection.CloseStatus = socket.CloseStatus;
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", cancellationToken);
                    }

                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                connection.Add(result.MessageType, message.ToArray());
                message.SetLength(0);
                if (closeAfter is { } close && connection.FrameCount == close.AfterFrames && socket.State == WebSocketState.Open)
                {
                    await socket.CloseOutputAsync(close.Status, close.Reason, cancellationToken);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or HttpListenerException or IOException or OperationCanceledException)
        {
            connection.Aborted = true;
        }
        finally
        {
            // On Linux neither cancelling nor Abort() closes the TCP connection: dispose and abort the response.
            socket?.Dispose();
            context.Response.Abort();
            connection.Finished = true;
        }
    }
}

internal sealed record FakeClose(int AfterFrames, WebSocketCloseStatus Status, string Reason);

internal sealed record FakeFrame(WebSocketMessageType Type, byte[] Data)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Data);
}

/// <summary>What one accepted connection carried; frames are read after <see cref="Finished"/>.</summary>
internal sealed class FakeConnection(int number, string path, string? deviceName, string? token)
{
    private readonly ConcurrentQueue<FakeFrame> _frames = new();

    public int Number { get; } = number;

    public string Path { get; } = path;

    public string? DeviceName { get; } = deviceName;

    public string? Token { get; } = token;

    public IReadOnlyList<FakeFrame> Frames => [.. _frames];

    public int FrameCount => _frames.Count;

    public WebSocketCloseStatus? CloseStatus { get; set; }

    public volatile bool Aborted;

    public volatile bool Finished;

    public void Add(WebSocketMessageType type, byte[] data) => _frames.Enqueue(new FakeFrame(type, data));
}
