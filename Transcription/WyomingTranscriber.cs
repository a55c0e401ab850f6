using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Transcription;

/// <summary>
/// Transcription by an existing Wyoming ASR server (wyoming-faster-whisper, Home Assistant's) over
/// TCP: <c>transcribe</c>, <c>audio-start</c>, <c>audio-chunk</c>s, <c>audio-stop</c>, then its
/// <c>transcript</c>. Ownership: each request opens its own connection and closes it before it
/// returns, whether it succeeds, fails, times out or is cancelled, so no connection outlives the
/// request (or the session that made it). Refused in offline mode; a circuit breaker stops
/// hammering a server that is down.
/// </summary>
internal sealed class WyomingTranscriber : ITranscriber
{
    private const int ChunkSamples = 16000; // 1 s per audio-chunk
    private readonly string _host;
    private readonly int _port;
    private readonly TimeSpan _connectTimeout;
    private readonly TimeSpan _responseTimeout;
    private readonly CircuitBreaker _breaker;

    public WyomingTranscriber(Uri address, bool offline, TimeSpan connectTimeout, TimeSpan responseTimeout, CircuitBreaker breaker)
    {
        if (offline)
        {
            throw new InvalidOperationException(WyomingEngine.OfflineRefusal(address));
        }

        if (address.Scheme != "wyoming" || address.Port <= 0)
        {
            throw new ArgumentException($"'{address}' is not a wyoming://host:port address.");
        }

        _host = address.Host;
        _port = address.Port;
        _connectTimeout = connectTimeout;
        _responseTimeout = responseTimeout;
        _breaker = breaker;
        Model = $"{_host}:{_port}";
    }

    public string Engine => "wyoming";

    public string Model { get; }

    public Task<IReadOnlyList<TranscriptSegment>> TranscribeAsync(ReadOnlyMemory<float> samples, CancellationToken cancellationToken) =>
        TranscribeAsync(samples, TranscriptionHints.None, progress: null, cancellationToken);

    /// <summary>The request in the language <paramref name="hints"/> names (English when it names none); the remote server's transcript comes whole, as one segment.</summary>
    public async Task<IReadOnlyList<TranscriptSegment>> TranscribeAsync(ReadOnlyMemory<float> samples, TranscriptionHints hints, Action<int>? progress, CancellationToken cancellationToken)
    {
        if (_breaker.Blocked() is { } wait)
        {
            throw new EngineUnavailableException($"the Wyoming server {Model} failed repeatedly; not trying again for {wait.TotalSeconds:0} s", wait);
        }

        try
        {
            var text = await RequestAsync(samples, hints.Language ?? "en", cancellationToken);
            _breaker.Succeeded();
            return [new TranscriptSegment(0, samples.Length / 16000.0, text)];
        }
        catch (Exception ex) when (ex is IOException or SocketException or TimeoutException or InvalidDataException)
        {
            _breaker.Failed();
            // Our own IOException (no cause) already names the server; a framework one is put in our words.
            throw ex is IOException { InnerException: null } own && !Reasons.LooksLikeResourceKey(own.Message)
                ? own
                : new IOException($"the Wyoming server {Model} failed: {Reasons.Of(ex)}", ex);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<string> RequestAsync(ReadOnlyMemory<float> samples, string language, CancellationToken cancellationToken)
    {
        using var client = new TcpClient { NoDelay = true };
        using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            connect.CancelAfter(_connectTimeout);
            try
            {
                await client.ConnectAsync(_host, _port, connect.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no connection to {Model} within {_connectTimeout.TotalSeconds:0} s");
            }
        }

        using var response = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        response.CancelAfter(_responseTimeout);
        var stream = client.GetStream();
        try
        {
            await SendAsync(stream, JsonSerializer.Serialize(new TranscribeHeader("transcribe", new TranscribeData(language)), WyomingClientJsonContext.Default.TranscribeHeader), null, response.Token);
            await SendAsync(stream, Encoding.UTF8.GetString(WyomingEvent.Serialize(WyomingEvent.AudioStart, AudioFormat.Speech, null, 0)), null, response.Token);
            for (var offset = 0; offset < samples.Length; offset += ChunkSamples)
            {
                var chunk = samples.Span.Slice(offset, Math.Min(ChunkSamples, samples.Length - offset));
                var pcm = new byte[chunk.Length * 2];
                for (var i = 0; i < chunk.Length; i++)
                {
                    var s = SampleConversion.ToInt16(chunk[i]);
                    pcm[2 * i] = (byte)s;
                    pcm[(2 * i) + 1] = (byte)(s >> 8);
                }

                await SendAsync(stream, Encoding.UTF8.GetString(WyomingEvent.Serialize(WyomingEvent.AudioChunk, AudioFormat.Speech, null, pcm.Length)), pcm, response.Token);
            }

            await SendAsync(stream, Encoding.UTF8.GetString(WyomingEvent.Serialize(WyomingEvent.AudioStop, null, null, 0)), null, response.Token);
            return await ReadTranscriptAsync(stream, response.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{Model} did not answer within {_responseTimeout.TotalSeconds:0} s");
        }
    }

    private static async Task SendAsync(NetworkStream stream, string header, byte[]? payload, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(header + "\n"), cancellationToken);
        if (payload is not null)
        {
            await stream.WriteAsync(payload, cancellationToken);
        }
    }

    /// <summary>Reads events until a transcript; a reply that is not a Wyoming event is <see cref="InvalidDataException"/>.</summary>
    private async Task<string> ReadTranscriptAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadEventsAsync(stream, cancellationToken);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"the Wyoming server {Model} sent a reply that is not a Wyoming event ({(ex is JsonException json ? Reasons.Json(json) : "a field has the wrong type")})", ex);
        }
    }

    /// <summary>Reads events until a transcript; its text may be inline or in the <c>data_length</c> block.</summary>
    private static async Task<string> ReadEventsAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var reader = new WyomingStreamReader(stream);
        while (true)
        {
            var line = await reader.ReadLineAsync(cancellationToken) ?? throw new IOException("the Wyoming server closed the connection without a transcript");
            using var header = JsonDocument.Parse(line);
            var root = header.RootElement;
            var type = root.TryGetProperty("type", out var t) ? t.GetString() : null;
            var dataLength = root.TryGetProperty("data_length", out var dl) && dl.ValueKind == JsonValueKind.Number ? dl.GetInt32() : 0;
            var payloadLength = root.TryGetProperty("payload_length", out var pl) && pl.ValueKind == JsonValueKind.Number ? pl.GetInt32() : 0;
            var data = dataLength > 0 ? await reader.ReadBytesAsync(dataLength, cancellationToken) : null;
            if (payloadLength > 0)
            {
                await reader.ReadBytesAsync(payloadLength, cancellationToken);
            }

            if (type != "transcript")
            {
                continue;
            }

            if (data is not null)
            {
                using var extra = JsonDocument.Parse(data);
                if (extra.RootElement.TryGetProperty("text", out var text))
                {
                    return text.GetString() ?? "";
                }
            }

            return root.TryGetProperty("data", out var inline) && inline.ValueKind == JsonValueKind.Object && inline.TryGetProperty("text", out var inlineText)
                ? inlineText.GetString() ?? ""
                : throw new InvalidDataException("a transcript event without text");
        }
    }
}

/// <summary>The <c>transcribe</c> event this client sends: <c>{"type":"transcribe","data":{"language":…}}</c>.</summary>
internal sealed record TranscribeHeader(string Type, TranscribeData Data);

internal sealed record TranscribeData(string Language);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TranscribeHeader))]
internal sealed partial class WyomingClientJsonContext : JsonSerializerContext;
