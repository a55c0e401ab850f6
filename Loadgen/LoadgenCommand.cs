using System.Buffers;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Cli;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Loadgen;

/// <summary>
/// <c>friendlite-edge loadgen</c>: simulated devices streaming a WAV file to a server's device
/// endpoints, for benchmarks and soak tests. Prints a summary (text, or JSON with <c>--json</c>)
/// even when stopped with Ctrl-C; a second Ctrl-C aborts the closing handshakes. Exit code 0 when
/// the run had no errors, 1 when it had some (or the audio file is unusable), 2 for a bad flag.
/// </summary>
internal static class LoadgenCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var url = CliOptions.Create<Uri?>("--url",
            "Device endpoint: ws://HOST:PORT/ws_omi (Opus in Wyoming events), /ws_pcm (PCM in Wyoming events) or /ws (bare Opus packets).",
            "URL", () => null, ParseUrl);
        var token = CliOptions.Create<string?>("--token", "Access token, sent as the token query parameter (from 'friendlite-edge token create').", "TOKEN",
            () => null, text => text);
        var clients = CliOptions.Create("--clients", "How many devices to simulate.", "N", () => 1, text => CliOptions.ParseWholeNumber(text, 1, 100_000));
        var audio = CliOptions.Create<string?>("--audio", "WAV file every device streams: PCM of 8 to 32 bit (integer) or 32-bit float, any rate and channels, converted to 16 kHz mono.", "FILE",
            () => null, text => text.Length > 0 ? text : throw new FormatException("is empty"));
        var codec = CliOptions.Create<AudioCodec?>("--codec", "opus or pcm.", "CODEC",
            () => null, ParseCodec, shown: "opus for /ws_omi and /ws, pcm for /ws_pcm");
        var frameMs = CliOptions.Create("--frame-ms", "Audio per frame in milliseconds: 10 or 20.", "MS", () => 20,
            text => text.Trim() is "10" or "20" ? int.Parse(text, CultureInfo.InvariantCulture) : throw new FormatException("must be 10 or 20"));
        var speed = CliOptions.Create("--speed", "Pacing: 1 = real time, 2 = twice as fast, 0 = as fast as the server takes it.", "X",
            () => 1.0, ParseSpeed);
        var duration = CliOptions.Create<TimeSpan?>("--duration", "Run this long, looping the audio (e.g. 30s, 10m).",
            "DURATION", () => null, ParseDuration, shown: "play the audio once");
        var churn = CliOptions.Create("--churn", "Random disconnects and reconnects per client per minute (0 = off).", "RATE",
            () => 0.0, ParseChurn);
        var deviceName = CliOptions.Create("--device-name", "Device name prefix: client n sends device_name PREFIX-n.", "PREFIX",
            () => "loadgen", text => text.Length is > 0 and <= 64 ? text : throw new FormatException("must have 1 to 64 characters"));
        var json = CliOptions.Flag("--json", "Print the summary as one JSON object (for benchmarks) instead of text.");
        var logLevel = CliOptions.LogLevel();

        var command = new Command("loadgen", "Simulate devices streaming a WAV file to a server's device WebSocket endpoints, then print a summary.")
        {
            url, token, clients, audio, codec, frameMs, speed, duration, churn, deviceName, json, logLevel,
        };
        command.Validators.Add(result =>
        {
            // An option whose own value is bad already has its error; only complete options are checked together.
            if (!TryGetValue(result, url, out var target) || !TryGetValue(result, codec, out var chosen) || !TryGetValue(result, audio, out var file))
            {
                return;
            }

            if (target is null)
            {
                result.AddError("--url is required, e.g. --url ws://127.0.0.1:8000/ws_omi.");
            }
            else if (LoadgenOptions.ProtocolOf(target) == DeviceProtocol.Legacy && chosen == AudioCodec.Pcm)
            {
                result.AddError("--codec pcm does not fit /ws, which carries bare Opus packets: use /ws_pcm for PCM.");
            }
            else if (file is null)
            {
                result.AddError("--audio is required: give a WAV file to stream.");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var target = parse.GetValue(url)!;
            var options = new LoadgenOptions(
                target,
                parse.GetValue(token),
                parse.GetValue(clients),
                parse.GetValue(audio)!,
                parse.GetValue(codec) ?? LoadgenOptions.DefaultCodec(LoadgenOptions.ProtocolOf(target)!.Value),
                parse.GetValue(frameMs),
                parse.GetValue(speed),
                parse.GetValue(duration),
                parse.GetValue(churn),
                parse.GetValue(deviceName)!);
            var log = new Log(error, parse.GetValue(logLevel), timestamps: error == Console.Error && !Console.IsErrorRedirected);
            return await RunAsync(options, parse.GetValue(json), output, error, log, cancellationToken);
        });
        return command;
    }

    public static async Task<int> RunAsync(LoadgenOptions options, bool json, TextWriter output, TextWriter error, Log log, CancellationToken cancellationToken)
    {
        AudioFrames audio;
        try
        {
            audio = AudioFrames.Create(WavFile.ReadSpeech(options.AudioPath), options.Codec, options.SamplesPerFrame);
        }
        catch (InvalidDataException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var abort = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        log.Info("loadgen", "starting", ("url", options.DisplayUrl), ("clients", options.Clients), ("codec", options.Codec == AudioCodec.Opus ? "opus" : "pcm"),
            ("frame_ms", options.FrameMs), ("speed", options.Speed), ("audio_s", Math.Round(audio.Duration.TotalSeconds, 3)),
            ("duration", options.Duration is { } d ? Duration.Format(d) : "once"), ("churn_per_min", options.ChurnPerMinute));
        var summary = await LoadgenRunner.RunAsync(options, audio, log, stop.Token, abort.Token);
        if (json)
        {
            // Errors quote the server's close reasons ("the account's password was changed"): as they are, not \u0027.
            var text = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(text, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                JsonSerializer.Serialize(writer, summary, LoadgenJsonContext.Default.LoadgenSummary);
            }

            await output.WriteLineAsync(Encoding.UTF8.GetString(text.WrittenSpan));
        }
        else
        {
            await summary.WriteTextAsync(output);
        }

        return summary.Errors > 0 ? 1 : 0;

        void OnSignal(PosixSignalContext context)
        {
            // Keep the process alive: the summary is still printed. The first signal closes the
            // sessions gracefully, the next aborts what is still closing.
            context.Cancel = true;
            if (!stop.IsCancellationRequested)
            {
                log.Info("loadgen", "stopping: closing sessions (signal again to abort)", ("signal", context.Signal));
                stop.Cancel();
            }
            else
            {
                abort.Cancel();
            }
        }
    }

    private static bool TryGetValue<T>(CommandResult result, Option<T> option, out T? value)
    {
        try
        {
            value = result.GetValue(option);
            return true;
        }
        catch (InvalidOperationException)
        {
            // System.CommandLine throws here when the option's value did not parse; that error is reported on its own.
            value = default;
            return false;
        }
    }

    private static Uri ParseUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("ws" or "wss"))
        {
            throw new FormatException("is not a ws:// or wss:// URL");
        }

        return LoadgenOptions.ProtocolOf(uri) is null
            ? throw new FormatException("has a path that is not a device endpoint (use /ws_omi, /ws_pcm or /ws)")
            : uri;
    }

    private static AudioCodec? ParseCodec(string text) => text.Trim().ToLowerInvariant() switch
    {
        "opus" => AudioCodec.Opus,
        "pcm" => AudioCodec.Pcm,
        _ => throw new FormatException("is not opus or pcm"),
    };


    private static double ParseSpeed(string text) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value <= 1000
            ? value
            : throw new FormatException("is not a speed from 0 (unpaced) to 1000");

    private static double ParseChurn(string text) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value <= 6000
            ? value
            : throw new FormatException("is not a rate from 0 to 6000 reconnects per minute");

    private static TimeSpan? ParseDuration(string text)
    {
        var value = Duration.Parse(text);
        return value > TimeSpan.Zero ? value : throw new FormatException("must be longer than 0");
    }
}
