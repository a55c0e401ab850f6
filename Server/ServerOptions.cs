using FriendLite.Edge.Accounts;
using FriendLite.Edge.Connections;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.HomeAssistant;
using FriendLite.Edge.Memory;
using FriendLite.Edge.Sessions;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Server;

/// <summary>The server's settings, parsed once from flags and environment and then immutable.</summary>
internal sealed record ServerOptions(
    string Host,
    int Port,
    string DataDirectory,
    LogLevel LogLevel,
    bool Offline,
    TimeSpan ShutdownTimeout)
{
    public string Address => $"http://{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port}";

    /// <summary>A file holding the JWT signing secret; null means FRIENDLITE_AUTH_SECRET or the data directory's.</summary>
    public string? AuthSecretFile { get; init; }

    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>The first administrator, created at start when no admin exists.</summary>
    public AdminAccount? Admin { get; init; }

    /// <summary>PBKDF2 iterations for new password hashes (tests lower it; users cannot).</summary>
    public int PasswordIterations { get; init; } = PasswordHasher.DefaultIterations;

    /// <summary>A device that sends nothing for this long is disconnected.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A conversation with no speech for this long is closed.</summary>
    public TimeSpan ConversationTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Live device sessions allowed at once; more are refused with 503 before the upgrade.</summary>
    public int MaxSessions { get; init; } = 500;

    /// <summary>The ggml Whisper model; null means no transcription (audio is still stored).</summary>
    public string? ModelPath { get; init; }

    /// <summary>A Wyoming ASR server (wyoming://host:port) to transcribe with instead of a local model.</summary>
    public Uri? Asr { get; init; }

    /// <summary>A Silero VAD model (ggml) to cut speech with instead of the energy VAD.</summary>
    public string? VadModelPath { get; init; }

    /// <summary>CPU threads for Whisper (one worker uses them all: the lowest latency per segment).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>False decodes greedily once (benchmarks with random-weight models).</summary>
    public bool TemperatureFallback { get; init; } = true;

    /// <summary>Speech segments waiting in memory; past this they wait as durable jobs.</summary>
    public int TranscriptionQueue { get; init; } = 64;

    /// <summary>How long the server gives a departed device's segments in transcription (on its own clock, not the device's) before the rest wait as jobs.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>systemd's notify socket (<c>$NOTIFY_SOCKET</c>); null when not run by systemd with <c>Type=notify</c>.</summary>
    public string? NotifySocket { get; init; }

    /// <summary>systemd's watchdog timeout (<c>$WATCHDOG_USEC</c>); null when there is no watchdog.</summary>
    public TimeSpan? WatchdogTimeout { get; init; }

    /// <summary>What the watchdog asks before each <c>WATCHDOG=1</c>; null is the server's own <c>/health</c> (tests script theirs).</summary>
    public Func<CancellationToken, Task<bool>>? WatchdogProbe { get; init; }

    /// <summary>The Wyoming speech-to-text server for Home Assistant (<c>--wyoming-listen</c>); null for none.</summary>
    public SpeechServerOptions? Wyoming { get; init; }

    /// <summary>A second listener serving only <c>GET /metrics</c>, without authentication (<c>--metrics-listen</c>); null for none.</summary>
    public ListenAddress? MetricsListen { get; init; }

    /// <summary>
    /// How long a worker may hold work without progress before it counts as stuck (the watchdog is
    /// then not fed); null derives it: 4 watchdog timeouts, at least 2 minutes, and always longer
    /// than one remote call the worker makes (an ASR request, an LLM try).
    /// </summary>
    public TimeSpan? WorkerStallTimeout { get; init; }

    /// <summary>The LLM that extracts memories (<c>--llm-*</c>); null: the local extractor only.</summary>
    public LlmOptions? Llm { get; init; }

    /// <summary>A language model to use instead of <see cref="Llm"/> (tests script theirs).</summary>
    public Func<ILanguageModel>? LanguageModel { get; init; }

    /// <summary>Where what people say is dated: "on Friday at ten" is ten o'clock here.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Local;

    /// <summary>How often the extraction worker looks for conversations whose transcription is done.</summary>
    public TimeSpan ExtractionPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>An engine to use instead of --asr/--model (tests inject slow or failing ones through it).</summary>
    public Func<ITranscriptionEngine>? Engine { get; init; }

    /// <summary>Sees every stored sample (the transcription segmenter's hook; tests inject faults through it).</summary>
    public AudioObserver? OnAudio { get; init; }

    /// <summary>The server's clock: timeouts, timestamps, tokens, job retries (tests move it by hand).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Faults tests inject into the decoder and the WAV writer; null in the shipped server (nothing outside the process sets it).</summary>
    public FaultHook? Faults { get; init; }

    /// <summary>Seconds of audio per second of wall time per connected device, from a budget per account (after a 60 s burst); 0 for no limit.</summary>
    public double MaxRealtimeFactor { get; init; } = 4;

    /// <summary>Free space kept in the data directory's file system; below it recording pauses.</summary>
    public MinFreeDisk MinFreeDisk { get; init; } = MinFreeDisk.Default;

    /// <summary>The largest request body <c>POST /api/process-audio-files</c> takes (<c>--max-upload-size</c>); larger is refused with 413.</summary>
    public long MaxUploadSize { get; init; } = DefaultMaxUploadSize;

    /// <summary>1 GiB: an hour of 44.1 kHz stereo 16-bit WAV, three of 48 kHz mono.</summary>
    public const long DefaultMaxUploadSize = 1L << 30;

    /// <summary>How often (on <see cref="Time"/>) the free space is checked.</summary>
    public TimeSpan DiskCheckInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Reads the free space; null is the file system's own answer (tests inject theirs).</summary>
    public FreeSpaceProbe? FreeSpace { get; init; }

    /// <summary>Failed logins allowed per remote address per minute.</summary>
    public int LoginFailuresPerMinute { get; init; } = 10;

    /// <summary>Caps and deadlines on every connection from the network (the connection gate's).</summary>
    public ConnectionLimits Connections { get; init; } = new();

    /// <summary>Awaited before each password hash the server computes; null in the shipped server (tests hold hashes there).</summary>
    public Func<CancellationToken, Task>? OnPasswordHash { get; init; }

    /// <summary>Failed logins allowed per account (the email) per minute, counted from every address and
    /// enforced on addresses that have not logged in to it within <see cref="LoginRememberSuccess"/>.</summary>
    public int LoginAccountFailuresPerMinute { get; init; } = 20;

    /// <summary>How long a successful login exempts its address from its account's failure limit.</summary>
    public TimeSpan LoginRememberSuccess { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Password hashes (logins, new users, password changes) computed at once: about half the cores.</summary>
    public int HashConcurrency { get; init; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Hashes waiting for a slot; past this a login gets 503 with Retry-After.</summary>
    public int HashQueue { get; init; } = 16;

    /// <summary>How long a hash may wait for a slot before its request gets 503.</summary>
    public TimeSpan HashWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often live sessions are checked against their users' rows, so a change made by the CLI (another process) reaches them.</summary>
    public TimeSpan RevocationSweepInterval { get; init; } = TimeSpan.FromSeconds(5);
}
