using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace FriendLite.Edge.Tests.Support;

/// <summary>
/// A small Wyoming ASR server: accepts any number of connections, records each one's event types,
/// counts its audio and answers a transcript "heard N bytes in M chunks" (or never). Every
/// connection task is awaited on dispose.
/// </summary>
internal sealed class FakeAsr : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Reply _reply;
    private readonly int _garbageFirst;
    private readonly List<List<string>> _connections = [];
    private readonly List<Task> _handlers = [];
    private readonly TaskCompletionSource<bool> _firstClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private int _open;
    private int _requests;

    private FakeAsr(Reply reply, int garbageFirst)
    {
        _reply = reply;
        _garbageFirst = garbageFirst;
    }

    public enum Reply
    {
        Inline,
        DataBlock,
        Never,
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Uri Address => new($"wyoming://127.0.0.1:{Port}");

    /// <summary>Completes when the first connection is closed by the client.</summary>
    public Task<bool> ClosedByClient => _firstClosed.Task;

    /// <summary>Connections accepted and not yet closed by the client.</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Requests that reached audio-stop (whole segments received).</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Starts the server; the first <paramref name="garbageFirst"/> requests are answered with a line that is not JSON.</summary>
    public static FakeAsr Start(Reply reply, int garbageFirst = 0)
    {
        var server = new FakeAsr(reply, garbageFirst);
        server._listener.Start();
        server._loop = server.AcceptAsync();
        return server;
    }

    /// <summary>The first connection's events, once the client has closed it.</summary>
    public async Task<List<string>> EventsAsync()
    {
        await _firstClosed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        lock (_connections)
        {
            return [.. _connections[0]];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await Quietly(_loop);
        Task[] handlers;
        lock (_connections)
        {
            handlers = [.. _handlers];
        }

        foreach (var handler in handlers)
        {
            await Quietly(handler);
        }

        _stop.Dispose();
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            var events = new List<string>();
            lock (_connections)
            {
                _connections.Add(events);
                _handlers.Add(ServeAsync(client, events, first: _connections.Count == 1));
            }
        }
    }

    private async Task ServeAsync(TcpClient client, List<string> events, bool first)
    {
        Interlocked.Increment(ref _open);
        using var owned = client;
        var stream = client.GetStream();
        long audio = 0;
        var chunks = 0;
        var raw = new BufferedReader(stream); // lines and byte-exact payloads from one stream
        while (true)
        {
            var line = await raw.ReadLineAsync(_stop.Token);
            if (line is null)
            {
                Interlocked.Decrement(ref _open);
                if (first)
                {
                    _firstClosed.TrySetResult(true);
                }

                return;
            }

            using var header = JsonDocument.Parse(line);
            var type = header.RootElement.GetProperty("type").GetString()!;
            lock (_connections)
            {
                events.Add(type);
            }

            if (header.RootElement.TryGetProperty("payload_length", out var p) && p.ValueKind == JsonValueKind.Number)
            {
                audio += (await raw.ReadBytesAsync(p.GetInt32(), _stop.Token)).Length;
                chunks++;
            }

            if (type == "audio-stop")
            {
                if (Interlocked.Increment(ref _requests) <= _garbageFirst)
                {
                    await stream.WriteAsync("this is not json\n"u8.ToArray(), _stop.Token);
                }
                else if (_reply != Reply.Never)
                {
                    var text = $"heard {audio} bytes in {chunks} chunks";
                    var response = _reply == Reply.Inline
                        ? $"{{\"type\":\"transcript\",\"data\":{{\"text\":\"{text}\"}}}}\n"
                        : $"{{\"type\":\"transcript\",\"data_length\":{Encoding.UTF8.GetByteCount($"{{\"text\":\"{text}\"}}")}}}\n{{\"text\":\"{text}\"}}";
                    await stream.WriteAsync(Encoding.UTF8.GetBytes(response), _stop.Token);
                }
            }
        }
    }

    private sealed class BufferedReader(NetworkStream stream)
    {
        private readonly Queue<byte> _pending = new();

        public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            var line = new List<byte>();
            while (true)
            {
                if (_pending.Count == 0 && !await FillAsync(cancellationToken))
                {
                    return null;
                }

                var b = _pending.Dequeue();
                if (b == '\n')
                {
                    return Encoding.UTF8.GetString(line.ToArray());
                }

                line.Add(b);
            }
        }

        public async Task<byte[]> ReadBytesAsync(int count, CancellationToken cancellationToken)
        {
            var bytes = new byte[count];
            for (var i = 0; i < count; i++)
            {
                if (_pending.Count == 0 && !await FillAsync(cancellationToken))
                {
                    throw new IOException("short payload");
                }

                bytes[i] = _pending.Dequeue();
            }

            return bytes;
        }

        private async Task<bool> FillAsync(CancellationToken cancellationToken)
        {
            var buffer = new byte[8192];
            int read;
            try
            {
                read = await stream.ReadAsync(buffer, cancellationToken);
            }
            catch (IOException)
            {
                return false; // a reset counts as the client closing
            }

            foreach (var b in buffer.AsSpan(0, read))
            {
                _pending.Enqueue(b);
            }

            return read > 0;
        }
    }
}
