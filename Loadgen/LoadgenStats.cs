using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Net.WebSockets;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Loadgen;

/// <summary>
/// Counters shared by every client of one run; all members are thread-safe. Errors are counted by
/// kind ("connect: HTTP 401", "closed by server: 1008 ...") so a thousand clients failing the same
/// way give one summary line and one warning, not a thousand.
/// </summary>
internal sealed class LoadgenStats(Log log)
{
    private const int MaxReasonLength = 100;

    private readonly ConcurrentDictionary<string, long> _errors = new(StringComparer.Ordinal);
    private long _sessionsOpened;
    private long _sessionsHeld;
    private long _churnDisconnects;
    private long _framesSent;
    private long _bytesSent;
    private long _audioBytesSent;
    private long _lateFrames;

    public LatencyHistogram SendLatency { get; } = new();

    public long SessionsOpened => Interlocked.Read(ref _sessionsOpened);

    public long FramesSent => Interlocked.Read(ref _framesSent);

    public long ErrorCount => _errors.Values.Sum();

    public void SessionOpened() => Interlocked.Increment(ref _sessionsOpened);

    /// <summary>A session that was still open when its client's run ended (not lost to an error).</summary>
    public void SessionHeld() => Interlocked.Increment(ref _sessionsHeld);

    /// <summary>A churn disconnect: the client leaves on purpose and, unless the run is ending, connects again.</summary>
    public void ChurnDisconnect() => Interlocked.Increment(ref _churnDisconnects);

    /// <summary>Bytes of a message that is not an audio frame (audio-start, audio-stop).</summary>
    public void MessageSent(int bytes) => Interlocked.Add(ref _bytesSent, bytes);

    public void FrameSent(int messageBytes, int audioBytes, TimeSpan latency, bool late)
    {
        Interlocked.Increment(ref _framesSent);
        Interlocked.Add(ref _bytesSent, messageBytes);
        Interlocked.Add(ref _audioBytesSent, audioBytes);
        SendLatency.Record(latency);
        if (late)
        {
            Interlocked.Increment(ref _lateFrames);
        }
    }

    /// <summary>Counts an error of a kind; the first of each kind is a warning, the rest debug lines.</summary>
    public void Error(int client, string kind, string? reason = null)
    {
        var key = string.IsNullOrWhiteSpace(reason) ? kind : $"{kind}: {Shorten(reason)}";
        var count = _errors.AddOrUpdate(key, 1, static (_, n) => n + 1);
        if (count == 1)
        {
            log.Warn("loadgen", key, ("client", client));
        }
        else
        {
            log.Debug("loadgen", key, ("client", client), ("count", count));
        }
    }

    public LoadgenSummary Summarize(LoadgenOptions options, TimeSpan wallTime, string stoppedBy) => new(
        options.DisplayUrl,
        options.Protocol switch
        {
            DeviceProtocol.Omi => "ws_omi",
            DeviceProtocol.Pcm => "ws_pcm",
            _ => "ws",
        },
        options.Codec == AudioCodec.Opus ? "opus" : "pcm",
        options.FrameMs,
        options.Speed,
        options.Clients,
        SessionsOpened,
        Interlocked.Read(ref _sessionsHeld),
        Interlocked.Read(ref _churnDisconnects),
        FramesSent,
        Interlocked.Read(ref _bytesSent),
        Interlocked.Read(ref _audioBytesSent),
        Interlocked.Read(ref _lateFrames),
        ErrorCount,
        new SortedDictionary<string, long>(_errors, StringComparer.Ordinal),
        new LatencySummary(
            Milliseconds(SendLatency.Percentile(0.50)),
            Milliseconds(SendLatency.Percentile(0.90)),
            Milliseconds(SendLatency.Percentile(0.99)),
            Milliseconds(SendLatency.Max)),
        Math.Round(wallTime.TotalSeconds, 3),
        stoppedBy);

    /// <summary>
    /// Why a connection failed, in words: the AOT build's exception messages are resource keys
    /// (UseSystemResourceKeys), but a socket error carries the operating system's own text.
    /// </summary>
    public static string Reason(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException socket)
            {
                return socket.Message;
            }
        }

        return exception switch
        {
            WebSocketException { WebSocketErrorCode: WebSocketError.ConnectionClosedPrematurely } => "the connection ended without a close frame",
            WebSocketException { WebSocketErrorCode: WebSocketError.InvalidState } => "the connection was no longer open",
            WebSocketException { WebSocketErrorCode: WebSocketError.NotAWebSocket } => "the server did not answer with a WebSocket upgrade",
            WebSocketException { WebSocketErrorCode: WebSocketError.HeaderError } => "the server's upgrade response was invalid",
            WebSocketException ws => $"WebSocket error {ws.WebSocketErrorCode}",
            IOException => "the connection broke",
            _ => exception.GetType().Name,
        };
    }

    private static double Milliseconds(TimeSpan value) => Math.Round(value.TotalMilliseconds, 3);

    private static string Shorten(string reason)
    {
        var line = reason.ReplaceLineEndings(" ").Trim();
        return line.Length <= MaxReasonLength ? line : line[..MaxReasonLength] + "...";
    }
}
