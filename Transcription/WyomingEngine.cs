using FriendLite.Edge.Concurrency;

namespace FriendLite.Edge.Transcription;

/// <summary>
/// <c>--asr wyoming://host:port</c>: transcription by a Wyoming ASR server elsewhere on the
/// network. Each worker is a <see cref="WyomingTranscriber"/> (one TCP connection per request,
/// closed when the request ends); the workers share one circuit breaker, so a server that is down
/// is not asked again by the next worker at once. The queue's segments then wait as jobs.
/// </summary>
internal sealed class WyomingEngine : ITranscriptionEngine
{
    private readonly Uri _address;
    private readonly CircuitBreaker _breaker = new(threshold: 3, TimeSpan.FromSeconds(30), TimeProvider.System) { Name = "asr" };

    public WyomingEngine(Uri address, bool offline, TimeSpan? responseTimeout = null)
    {
        if (offline)
        {
            throw new InvalidOperationException(OfflineRefusal(address));
        }

        _address = ParseAddress(address.ToString());
        ResponseTimeout = responseTimeout ?? TimeSpan.FromSeconds(60);
    }

    public static TimeSpan ConnectTimeout => TimeSpan.FromSeconds(5);

    /// <summary>The breaker its workers share, for <c>/metrics</c>.</summary>
    public CircuitBreaker Breaker => _breaker;

    public TimeSpan ResponseTimeout { get; }

    /// <summary>Two requests at a time: the remote server is usually the bigger machine.</summary>
    public int Workers => 2;

    public string Status => $"ok: wyoming://{_address.Host}:{_address.Port}";

    /// <summary>The languages this server offers for the remote one (its <c>info</c> is not asked): English, which every Whisper model transcribes.</summary>
    public IReadOnlyList<string> Languages { get; } = ["en"];

    public ITranscriber CreateWorker() => new WyomingTranscriber(_address, offline: false, ConnectTimeout, ResponseTimeout, _breaker);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The one sentence for a remote engine asked for in offline mode.</summary>
    public static string OfflineRefusal(Uri address) =>
        $"--asr wyoming://{address.Host}:{address.Port} needs the network, which --offline forbids: use a local --model instead.";

    /// <summary>Parses <c>wyoming://host:port</c>, or throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static Uri ParseAddress(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme == "wyoming" && uri.Port > 0 && uri.Host.Length > 0 && uri.AbsolutePath is "/" or ""
            ? uri
            : throw new FormatException("is not a wyoming://host:port address");
}
