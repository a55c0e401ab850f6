using System.CommandLine;
using System.Runtime.InteropServices;
using FriendLite.Edge.Accounts;
using FriendLite.Edge.Cli;
using FriendLite.Edge.Connections;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.HomeAssistant;
using FriendLite.Edge.Memory;
using FriendLite.Edge.Sessions;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Server;

/// <summary><c>friendlite-edge serve</c>: runs the server until SIGTERM or SIGINT.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var host = CliOptions.Host();
        var port = CliOptions.Port(8000);
        var dataDir = CliOptions.DataDirectory();
        var logLevel = CliOptions.LogLevel();
        var offline = OfflineOption();
        var shutdownTimeout = CliOptions.Duration("--shutdown-timeout", "How long a graceful shutdown may take before the process exits anyway",
            TimeSpan.FromSeconds(10), TimeSpan.Zero, TimeSpan.FromHours(1));

        var idleTimeout = CliOptions.Duration("--idle-timeout", "Disconnect a device that sends nothing for this long", TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        var conversationTimeout = CliOptions.Duration("--conversation-timeout", "Close a conversation after this long without speech", TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        var maxSessions = CliOptions.WholeNumber("--max-sessions", "Most device sessions at once; more are refused with 503.", 500, 1, 100_000);
        var maxConnections = CliOptions.WholeNumber("--max-connections", "Most connections open at once (lowered to fit the open-file limit); more are answered 503 and closed.", 4096, 16, 1_000_000);
        var maxPerAddress = CliOptions.WholeNumber("--max-connections-per-address", "Most connections one client address may hold (a reverse proxy is one address); more are answered 429 and closed.",
            64, 1, 1_000_000);
        var maxRealtimeFactor = CliOptions.Create("--max-realtime-factor",
            "Seconds of audio per second of wall time each device may send, from a budget its account's devices share, after a 60 s burst; faster is closed with 1008 (0: no limit).", "X",
            () => 4.0, RealtimeLimiter.ParseFactor);
        var minFreeDisk = MinFreeDiskOption();
        var maxUploadSize = CliOptions.Create("--max-upload-size",
            "The largest upload POST /api/process-audio-files takes, all its files together (e.g. 500M, 2G); larger is refused with 413.", "SIZE",
            () => ServerOptions.DefaultMaxUploadSize, ParseUploadSize, shown: "1G");
        var model = TranscribeCommand.ModelOption();
        var threads = TranscribeCommand.ThreadsOption();
        var noFallback = TranscribeCommand.NoFallbackOption();
        var transcriptionQueue = CliOptions.WholeNumber("--transcription-queue", "Speech segments waiting in memory for transcription; more wait as durable jobs in the database.", 64, 0, 100_000);
        var vadModel = VadModelOption();
        var asr = AsrOption();
        var drainTimeout = CliOptions.Duration("--drain-timeout", "How long a disconnecting device's speech may still take to transcribe before it is left as a job",
            TimeSpan.FromSeconds(30), TimeSpan.Zero, TimeSpan.FromHours(1));
        var authSecretFile = AuthOptions.SecretFile();
        var tokenLifetime = AuthOptions.TokenLifetime("--token-lifetime", "How long a login token stays valid", TimeSpan.FromHours(24), "30m, 24h, 7d");
        var adminEmail = CliOptions.Create<string?>("--admin-email", "Create this administrator at start if none exists (also read from ADMIN_EMAIL).", "EMAIL",
            () => Environment.GetEnvironmentVariable("ADMIN_EMAIL"), text => text, shown: "");
        var adminPasswordFile = CliOptions.Create<string?>("--admin-password-file", "File holding that administrator's password (or set ADMIN_PASSWORD).", "FILE",
            () => null, text => text);

        var metricsListen = CliOptions.Create<ListenAddress?>("--metrics-listen",
            "Also serve GET /metrics, without authentication, on this address (e.g. 127.0.0.1:9100): bind it to loopback or a trusted LAN.", "HOST:PORT",
            () => null, ListenAddress.Parse, shown: "off");
        var workerStall = CliOptions.Create<TimeSpan?>("--worker-stall-timeout",
            "How long a transcription or extraction worker may hold work without progress before it counts as stuck and systemd's watchdog is no longer fed "
            + "(always longer than one ASR request or LLM try; raise it for a model whose 30 s window takes longer on this machine) (e.g. 5m).", "DURATION",
            () => null, ParseStallTimeout, shown: "4 x WatchdogSec, at least 2m");
        var wyomingListen = WyomingListenOption();
        var wyomingStore = CliOptions.Flag("--wyoming-store", "Keep each voice command as a conversation of the first administrator (audio and transcript); without it commands are not kept.");
        var wyomingZeroconf = CliOptions.Flag("--wyoming-zeroconf",
            "Advertise --wyoming-listen's server over zeroconf (_wyoming._tcp, mDNS on UDP 5353, beside avahi-daemon), so Home Assistant discovers it.");
        var memory = new MemoryOptions();
        var command = new Command("serve", "Run the server until SIGTERM or Ctrl-C: device WebSockets and the REST API, storing audio and transcribing it with --model or --asr.")
        {
            host, port, dataDir, logLevel, offline, shutdownTimeout, idleTimeout, conversationTimeout, maxSessions, model, threads, noFallback, asr, vadModel, transcriptionQueue, drainTimeout,
            authSecretFile, tokenLifetime, adminEmail, adminPasswordFile,
            maxRealtimeFactor, minFreeDisk, maxConnections, maxPerAddress, maxUploadSize, metricsListen, workerStall, wyomingListen, wyomingStore, wyomingZeroconf,
        };
        foreach (var option in memory.All)
        {
            command.Options.Add(option);
        }

        command.Validators.Add(result =>
        {
            memory.Validate(result, ParsedOrNull(result, offline));
            if (ParsedOrNull(result, metricsListen) is { } listen && listen.Port == ParsedOrNull(result, port))
            {
                result.AddError($"--metrics-listen {listen} uses the server's own --port {listen.Port}: give it another port.");
            }

            ValidateWyoming(result, ParsedOrNull(result, wyomingListen), ParsedOrNull(result, wyomingStore) || ParsedOrNull(result, wyomingZeroconf), ParsedOrNull(result, port), ParsedOrNull(result, metricsListen),
                ParsedOrNull(result, asr) is not null || !string.IsNullOrEmpty(ParsedOrNull(result, model)));
            if (ParsedOrNull(result, asr) is { } remote)
            {
                if (ParsedOrNull(result, offline))
                {
                    result.AddError(WyomingEngine.OfflineRefusal(remote));
                }
                else if (!string.IsNullOrEmpty(ParsedOrNull(result, model)))
                {
                    result.AddError("--asr and --model both choose the transcription engine: give one of them.");
                }
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var log = Log.ForConsole(parse.GetValue(logLevel));

            AdminAccount? admin;
            LlmOptions? llm;
            try
            {
                admin = AdminFrom(parse.GetValue(adminEmail), parse.GetValue(adminPasswordFile));
                llm = memory.ReadLlm(parse);
            }
            catch (StartupException ex)
            {
                log.Error("server", ex.Message);
                return 1;
            }

            var options = new ServerOptions(
                parse.GetValue(host)!,
                parse.GetValue(port),
                parse.GetValue(dataDir)!,
                parse.GetValue(logLevel),
                parse.GetValue(offline),
                parse.GetValue(shutdownTimeout))
            {
                AuthSecretFile = parse.GetValue(authSecretFile),
                TokenLifetime = parse.GetValue(tokenLifetime),
                Admin = admin,
                IdleTimeout = parse.GetValue(idleTimeout),
                ConversationTimeout = parse.GetValue(conversationTimeout),
                MaxSessions = parse.GetValue(maxSessions),
                MaxRealtimeFactor = parse.GetValue(maxRealtimeFactor),
                MinFreeDisk = parse.GetValue(minFreeDisk)!,
                MaxUploadSize = parse.GetValue(maxUploadSize),
                ModelPath = parse.GetValue(model),
                Threads = parse.GetValue(threads),
                TemperatureFallback = !parse.GetValue(noFallback),
                Asr = parse.GetValue(asr),
                VadModelPath = parse.GetValue(vadModel),
                TranscriptionQueue = parse.GetValue(transcriptionQueue),
                DrainTimeout = parse.GetValue(drainTimeout),
                MetricsListen = parse.GetValue(metricsListen),
                Wyoming = parse.GetValue(wyomingListen) is { } speech
                    ? new SpeechServerOptions(speech.Host, speech.Port)
                    {
                        Store = parse.GetValue(wyomingStore),
                        IdleTimeout = parse.GetValue(idleTimeout),
                        ZeroconfName = parse.GetValue(wyomingZeroconf) ? SpeechServerOptions.DefaultZeroconfName() : null,
                    }
                    : null,
                WorkerStallTimeout = parse.GetValue(workerStall),
                Connections = new ConnectionLimits { MaxConnections = parse.GetValue(maxConnections), MaxConnectionsPerAddress = parse.GetValue(maxPerAddress) },
                NotifySocket = Environment.GetEnvironmentVariable("NOTIFY_SOCKET"),
                WatchdogTimeout = SystemdNotifier.WatchdogTimeout(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), Environment.GetEnvironmentVariable("WATCHDOG_PID")),
                Llm = llm,
                TimeZone = memory.ReadZone(parse),
            };
            return await RunAsync(options, log, cancellationToken);
        });
        return command;
    }

    // serve's options that doctor takes too: one declaration, so both read the same flags and variables.
    public static Option<bool> OfflineOption() =>
        CliOptions.Flag("--offline", "Make no outbound connection at all: transcription with a local --model only (no --asr), memories by the local extractor (no --llm-url).");

    public static Option<MinFreeDisk> MinFreeDiskOption() =>
        CliOptions.Create("--min-free-disk",
            "Free space kept in the data directory's file system (e.g. 500M, 2G, 5%; 0: none); below it devices are refused with 507 and open sessions end.", "SIZE",
            () => MinFreeDisk.Default, MinFreeDisk.Parse, shown: "1G");

    public static Option<string?> VadModelOption() =>
        CliOptions.Create<string?>("--vad-model", "A Silero VAD model in ggml format (e.g. ggml-silero-v6.2.0.bin) to find speech with.",
            "PATH", () => null, text => text, shown: "the built-in energy VAD");

    public static Option<ListenAddress?> WyomingListenOption() =>
        CliOptions.Create<ListenAddress?>("--wyoming-listen",
            "Also serve Home Assistant's voice assistant as a Wyoming speech-to-text server on this address (e.g. 0.0.0.0:10300), with --model's engine (or --asr's). "
            + "The protocol has no authentication: listen on a trusted network only.", "HOST:PORT",
            () => null, ListenAddress.Parse, shown: "off");

    public static Option<Uri?> AsrOption() =>
        CliOptions.Create<Uri?>("--asr", "Transcribe with a Wyoming ASR server (e.g. wyoming-faster-whisper) instead of a local --model; not with --offline.",
            "wyoming://HOST:PORT", () => null, WyomingEngine.ParseAddress);

    /// <summary>--wyoming-listen needs an engine and a port of its own; --wyoming-store and --wyoming-zeroconf mean nothing without it.</summary>
    private static void ValidateWyoming(System.CommandLine.Parsing.CommandResult result, ListenAddress? listen, bool dependent, int port, ListenAddress? metrics, bool engine)
    {
        if (listen is null)
        {
            if (dependent)
            {
                result.AddError("--wyoming-store and --wyoming-zeroconf are about the server --wyoming-listen starts: give --wyoming-listen HOST:PORT too.");
            }

            return;
        }

        if (!engine)
        {
            result.AddError($"--wyoming-listen {listen} transcribes with the server's engine: give --model (or --asr) too.");
        }
        else if (listen.Port == port || listen.Port == metrics?.Port)
        {
            result.AddError($"--wyoming-listen {listen} uses a port the server already listens on ({listen.Port}): give it another port (Home Assistant's usual one is 10300).");
        }
    }

    /// <summary>A size as <c>--min-free-disk</c> reads one (<c>500M</c>, <c>2G</c>, bytes), above zero and not a share of the disk.</summary>
    private static long ParseUploadSize(string text)
    {
        const string problem = "is not a size above zero (e.g. 500M, 2G)";
        try
        {
            return MinFreeDisk.Parse(text) is { Percent: 0, Bytes: > 0 } size ? size.Bytes : throw new FormatException(problem);
        }
        catch (FormatException ex) when (ex.Message != problem)
        {
            throw new FormatException(problem, ex);
        }
    }

    private static TimeSpan? ParseStallTimeout(string text) =>
        Duration.Parse(text) is var value && value >= TimeSpan.FromSeconds(30) && value <= TimeSpan.FromDays(1)
            ? value
            : throw new FormatException("must be between 30s and 1d");

    /// <summary>An option's value for a validator; null when it did not parse (it reports its own error).</summary>
    internal static T? ParsedOrNull<T>(System.CommandLine.Parsing.CommandResult result, Option<T> option)
    {
        try
        {
            return CliOptions.ValueIn(result, option);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException)
        {
            return default;
        }
    }

    public static async Task<int> RunAsync(ServerOptions options, Log log, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        EdgeServer server;
        try
        {
            server = await EdgeServer.StartAsync(options, log, cancellationToken: stop.Token);
        }
        catch (StartupException ex)
        {
            log.Error("server", ex.Message);
            if (ex.InnerException is not null)
            {
                log.Debug("server", "cause", ("trace", ex.InnerException.ToString()));
            }

            return 1;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            log.Info("server", "stopped before start-up finished");
            return 0;
        }

        await using (server)
        {
            return await server.RunAsync(stop.Token);
        }

        void OnSignal(PosixSignalContext context)
        {
            // Keep the process alive: the graceful shutdown decides when it exits.
            context.Cancel = true;
            log.Info("server", "signal received, shutting down", ("signal", context.Signal));
            stop.Cancel();
        }
    }

    /// <summary>The bootstrap admin from flags or Friend-Lite's ADMIN_EMAIL/ADMIN_PASSWORD; both parts or neither.</summary>
    private static AdminAccount? AdminFrom(string? email, string? passwordFile)
    {
        var password = passwordFile is not null ? AuthOptions.ReadPasswordFile(passwordFile) : Environment.GetEnvironmentVariable("ADMIN_PASSWORD");
        if (string.IsNullOrEmpty(email) && string.IsNullOrEmpty(password))
        {
            return null;
        }

        if (string.IsNullOrEmpty(email) || string.IsNullOrEmpty(password))
        {
            throw new StartupException("An administrator needs both an email and a password: set ADMIN_EMAIL and ADMIN_PASSWORD, or --admin-email and --admin-password-file.");
        }

        return new AdminAccount(email, password);
    }
}
