using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Tests;

/// <summary>The Wyoming remote engine against a small Wyoming ASR server written here.</summary>
public sealed class WyomingTranscriberTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Transcribe_SpeaksTheProtocolAndReturnsTheServersText(bool textInDataBlock)
    {
        await using var server = FakeAsr.Start(textInDataBlock ? FakeAsr.Reply.DataBlock : FakeAsr.Reply.Inline);
        var engine = Engine(server.Port);
        var samples = new float[40_000];

        var segments = await engine.TranscribeAsync(samples, CancellationToken.None);

        var segment = Assert.Single(segments);
        Assert.Equal("heard 80000 bytes in 3 chunks", segment.Text);
        Assert.Equal((0.0, 2.5), (segment.Start, segment.End));
        Assert.Equal(["transcribe", "audio-start", "audio-chunk", "audio-chunk", "audio-chunk", "audio-stop"], await server.EventsAsync());
        Assert.True(await server.ClosedByClient.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Cancel_WhileTheServerThinks_ClosesTheConnection()
    {
        await using var server = FakeAsr.Start(FakeAsr.Reply.Never);
        var engine = Engine(server.Port);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.TranscribeAsync(new float[16000], cancel.Token));

        // SCENARIOS row 6: the ASR connection does not outlive the request that opened it.
        Assert.True(await server.ClosedByClient.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ServerThatNeverAnswers_TimesOutAsAnIoError()
    {
        await using var server = FakeAsr.Start(FakeAsr.Reply.Never);
        var engine = new WyomingTranscriber(new Uri($"wyoming://127.0.0.1:{server.Port}"), offline: false, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(300),
            new CircuitBreaker(3, TimeSpan.FromMinutes(1), TimeProvider.System));

        var thrown = await Assert.ThrowsAsync<IOException>(() => engine.TranscribeAsync(new float[1600], CancellationToken.None));

        Assert.Contains("did not answer", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerDown_ThreeFailuresOpenTheBreakerAndTheNextCallFailsAtOnce()
    {
        var port = TestServer.FreePort(); // nothing listens there
        var engine = Engine(port);

        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<IOException>(() => engine.TranscribeAsync(new float[160], CancellationToken.None));
        }

        var fast = await Assert.ThrowsAsync<IOException>(() => engine.TranscribeAsync(new float[160], CancellationToken.None));
        Assert.Contains("failed repeatedly", fast.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Offline_IsRefused()
    {
        var thrown = Assert.Throws<InvalidOperationException>(() =>
            new WyomingTranscriber(new Uri("wyoming://asr.local:10300"), offline: true, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), new CircuitBreaker(3, TimeSpan.FromMinutes(1), TimeProvider.System)));

        Assert.Contains("--offline forbids", thrown.Message, StringComparison.Ordinal);
    }

    private static WyomingTranscriber Engine(int port) =>
        new(new Uri($"wyoming://127.0.0.1:{port}"), offline: false, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), new CircuitBreaker(3, TimeSpan.FromMinutes(1), TimeProvider.System));

    /// <summary>One connection at a time: records event types, counts audio, answers a transcript (or never).</summary>
    private sealed class FakeAsr : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Reply _reply;
        private readonly List<string> _events = [];
        private readonly TaskCompletionSource<bool> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _stop = new();
        private Task _loop = Task.CompletedTask;

        private FakeAsr(Reply reply)
        {
            _reply = reply;
        }

        public enum Reply
        {
            Inline,
            DataBlock,
            Never,
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public Task<bool> ClosedByClient => _closed.Task;

        public static FakeAsr Start(Reply reply)
        {
            var server = new FakeAsr(reply);
            server._listener.Start();
            server._loop = server.ServeAsync();
            return server;
        }

        public async Task<List<string>> EventsAsync()
        {
            await _closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
            lock (_events)
            {
                return [.. _events];
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _loop;
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
            {
            }

            _stop.Dispose();
        }

        private async Task ServeAsync()
        {
            using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            var stream = client.GetStream();
            long audio = 0;
            var chunks = 0;
            var raw = new BufferedReader(stream); // lines and byte-exact payloads from one stream
            while (true)
            {
                var line = await raw.ReadLineAsync(_stop.Token);
                if (line is null)
                {
                    _closed.TrySetResult(true);
                    return;
                }

                using var header = JsonDocument.Parse(line);
                var type = header.RootElement.GetProperty("type").GetString()!;
                lock (_events)
                {
                    _events.Add(type);
                }

                if (header.RootElement.TryGetProperty("payload_length", out var p) && p.ValueKind == JsonValueKind.Number)
                {
                    audio += (await raw.ReadBytesAsync(p.GetInt32(), _stop.Token)).Length;
                    chunks++;
                }

                if (type == "audio-stop" && _reply != Reply.Never)
                {
                    var text = $"heard {audio} bytes in {chunks} chunks";
                    var response = _reply == Reply.Inline
                        ? $"{{\"type\":\"transcript\",\"data\":{{\"text\":\"{text}\"}}}}\n"
                        : $"{{\"type\":\"transcript\",\"data_length\":{Encoding.UTF8.GetByteCount($"{{\"text\":\"{text}\"}}")}}}\n{{\"text\":\"{text}\"}}";
                    await stream.WriteAsync(Encoding.UTF8.GetBytes(response), _stop.Token);
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
}
