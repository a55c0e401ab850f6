using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FriendLite.Edge.Tests.Support;

/// <summary>One event as a client reads it: its type, its data (inline and data_length block merged), its payload, and its raw header.</summary>
internal sealed record WyomingTestEvent(string Type, JsonObject Data, byte[] Payload, JsonObject Header)
{
    public string? Text => Data["text"]?.GetValue<string>();
}

/// <summary>
/// A Wyoming client written to the protocol (as Home Assistant's library speaks it), independent of
/// the server's codec: JSON header lines, a data block of <c>data_length</c> bytes merged over
/// <c>data</c>, then <c>payload_length</c> bytes. For the speech server's tests.
/// </summary>
internal sealed class WyomingTestClient : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly List<byte> _pending = [];
    private readonly byte[] _buffer = new byte[8192];

    private WyomingTestClient(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<WyomingTestClient> ConnectAsync(IPEndPoint endPoint, int? receiveBuffer = null)
    {
        var client = new TcpClient { NoDelay = true };
        if (receiveBuffer is { } size)
        {
            client.ReceiveBufferSize = size;
        }

        await client.ConnectAsync(endPoint.Address, endPoint.Port);
        return new WyomingTestClient(client);
    }

    public Socket Socket => _client.Client;

    /// <summary>Sends an event with inline data (as most clients do) and an optional payload.</summary>
    public async Task SendAsync(string type, object? data = null, byte[]? payload = null)
    {
        var header = new JsonObject { ["type"] = type };
        if (data is not null)
        {
            header["data"] = JsonSerializer.SerializeToNode(data, data.GetType());
        }

        if (payload is { Length: > 0 })
        {
            header["payload_length"] = payload.Length;
        }

        await SendRawAsync(Encoding.UTF8.GetBytes(header.ToJsonString() + "\n"));
        if (payload is { Length: > 0 })
        {
            await SendRawAsync(payload);
        }
    }

    public async Task SendRawAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>transcribe, audio-start, the audio in chunks of <paramref name="chunkFrames"/> frames, audio-stop.</summary>
    public async Task SendCommandAsync(short[] samples, string? language = "en", int rate = 16000, int channels = 1, int chunkFrames = 1024)
    {
        await SendAsync("transcribe", language is null ? new { } : new { language });
        await SendAsync("audio-start", new { rate, width = 2, channels });
        var frames = samples.Length / channels;
        for (var frame = 0; frame < frames; frame += chunkFrames)
        {
            var count = Math.Min(chunkFrames, frames - frame);
            var pcm = new byte[count * channels * 2];
            Buffer.BlockCopy(samples, frame * channels * 2, pcm, 0, pcm.Length);
            await SendAsync("audio-chunk", new { rate, width = 2, channels }, pcm);
        }

        await SendAsync("audio-stop");
    }

    /// <summary>The next event, or null when the server closed the connection (a reset counts as closed).</summary>
    public async Task<WyomingTestEvent?> ReadAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        var line = await ReadLineAsync(deadline.Token);
        if (line is null)
        {
            return null;
        }

        var header = JsonNode.Parse(line)!.AsObject();
        var data = header["data"] is JsonObject inline ? (JsonObject)inline.DeepClone() : [];
        if (header["data_length"] is JsonValue dl && dl.GetValue<int>() > 0)
        {
            var block = JsonNode.Parse(await ReadBytesAsync(dl.GetValue<int>(), deadline.Token))!.AsObject();
            foreach (var (key, value) in block)
            {
                data[key] = value?.DeepClone();
            }
        }

        var payload = header["payload_length"] is JsonValue pl && pl.GetValue<int>() > 0 ? await ReadBytesAsync(pl.GetValue<int>(), deadline.Token) : [];
        return new WyomingTestEvent(header["type"]!.GetValue<string>(), data, payload, header);
    }

    /// <summary>Events up to and including the first of <paramref name="type"/>.</summary>
    public async Task<List<WyomingTestEvent>> ReadUntilAsync(string type, TimeSpan? timeout = null)
    {
        var events = new List<WyomingTestEvent>();
        while (true)
        {
            var next = await ReadAsync(timeout) ?? throw new IOException($"the server closed the connection before '{type}' (got {string.Join(", ", events.Select(e => e.Type))})");
            events.Add(next);
            if (next.Type == type)
            {
                return events;
            }
        }
    }

    /// <summary>True when the server closes the connection (no more events) within the timeout; events still sent before the close are skipped.</summary>
    public async Task<bool> ClosedByServerAsync(TimeSpan? timeout = null)
    {
        try
        {
            while (await ReadAsync(timeout ?? TimeSpan.FromSeconds(30)) is not null)
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = _pending.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = Encoding.UTF8.GetString([.. _pending.Take(newline)]);
                _pending.RemoveRange(0, newline + 1);
                return line;
            }

            if (!await FillAsync(cancellationToken))
            {
                return null;
            }
        }
    }

    private async Task<byte[]> ReadBytesAsync(int count, CancellationToken cancellationToken)
    {
        while (_pending.Count < count)
        {
            if (!await FillAsync(cancellationToken))
            {
                throw new IOException("the server closed the connection inside an event");
            }
        }

        var bytes = _pending.Take(count).ToArray();
        _pending.RemoveRange(0, count);
        return bytes;
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        int read;
        try
        {
            read = await _stream.ReadAsync(_buffer, cancellationToken);
        }
        catch (IOException)
        {
            return false; // reset by the server
        }

        _pending.AddRange(_buffer.AsSpan(0, read));
        return read > 0;
    }
}
