using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Cli;

namespace FriendLite.Edge.Transcription;

/// <summary>
/// <c>friendlite-edge transcribe FILE...</c>: offline one-shot transcription of WAV files with the
/// local Whisper model; progress on stderr, the transcript on stdout. Ownership: the command owns
/// the engine and its one worker, both disposed (worker first) before it returns.
/// </summary>
internal static class TranscribeCommand
{
    public static Command Create(TextWriter output, TextWriter error, ProgressMode? progress = null)
    {
        var files = new Argument<string[]>("FILE") { Description = "WAV files: PCM 8/16/24/32-bit or 32-bit float, any rate and channels.", Arity = ArgumentArity.OneOrMore };
        var model = ModelOption();
        var threads = ThreadsOption();
        var format = CliOptions.Create("--format", "Output: text, json, srt or vtt.", "FORMAT", () => "text", text =>
            text.ToLowerInvariant() is "text" or "json" or "srt" or "vtt" ? text.ToLowerInvariant() : throw new FormatException("is not one of text, json, srt, vtt"),
            environment: "");
        var noFallback = NoFallbackOption();
        var sizedWindow = CliOptions.Flag("--sized-window",
            "Size Whisper's 30 s window to each file: several times faster for short clips on a small machine, as the server does for live speech (accuracy may drop a little).");
        var command = new Command("transcribe", "Transcribe WAV files with the local Whisper model, without a server.") { files, model, threads, format, noFallback, sizedWindow };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var modelPath = parse.GetValue(model);
            if (string.IsNullOrEmpty(modelPath))
            {
                await error.WriteLineAsync("error: No model given: pass --model PATH (or set FRIENDLITE_MODEL) to a ggml Whisper model, e.g. from 'friendlite-edge model download base.en'.");
                return 1;
            }

            var settings = new WhisperSettings(parse.GetValue(threads), TemperatureFallback: !parse.GetValue(noFallback), SizedAudioContext: parse.GetValue(sizedWindow));
            return await RunAsync(parse.GetValue(files)!, modelPath, settings, parse.GetValue(format)!, output, error, progress ?? ProgressMode.For(error), cancellationToken);
        });
        return command;
    }

    public static Option<string?> ModelOption() =>
        CliOptions.Create<string?>("--model", "A ggml Whisper model file, e.g. one 'friendlite-edge model download base.en' fetched.", "PATH", () => null, text => text);

    public static Option<int> ThreadsOption() =>
        CliOptions.WholeNumber("--threads", "CPU threads for Whisper.", Environment.ProcessorCount, 1, 256, shown: $"all cores ({Environment.ProcessorCount})");

    /// <summary>Greedy decoding only. Random-weight models never pass whisper's confidence checks, so
    /// benchmarks turn the fallback off to measure one decoding pass, as DESIGN.md explains.</summary>
    public static Option<bool> NoFallbackOption() =>
        CliOptions.Flag("--no-fallback", "Decode greedily once, without whisper's temperature fallback (for benchmarks; real speech is better with it).");

    private static async Task<int> RunAsync(string[] files, string modelPath, WhisperSettings settings, string format, TextWriter output, TextWriter error, ProgressMode progress, CancellationToken cancellationToken)
    {
        WhisperEngine engine;
        try
        {
            engine = WhisperEngine.Load(modelPath, settings);
        }
        catch (InvalidDataException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }

        var results = new List<TranscriptFile>();
        var failed = 0;
        await using (engine)
        {
            await error.WriteLineAsync($"model {engine.Model}");
            await using var worker = engine.CreateWhisperWorker();
            foreach (var file in files)
            {
                short[] samples;
                try
                {
                    samples = WavFile.ReadSpeech(file);
                }
                catch (InvalidDataException ex)
                {
                    await error.WriteLineAsync($"error: {ex.Message}");
                    failed++;
                    continue;
                }

                var seconds = samples.Length / 16000.0;
                var segments = await TranscribeAsync(worker, file, samples, error, progress, cancellationToken);
                results.Add(new TranscriptFile(file, Math.Round(seconds, 3), worker.Engine, worker.Model, segments));
                if (format != "json")
                {
                    await output.WriteLineAsync(format switch
                    {
                        "srt" => TranscriptFormat.Srt(segments),
                        "vtt" => TranscriptFormat.Vtt(segments),
                        _ => TranscriptFormat.Text(segments),
                    });
                }
            }
        }

        if (format == "json")
        {
            // A transcript is read by people: "don't" and "café" as they are, not \u0027 and \u00E9.
            var json = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                JsonSerializer.Serialize(writer, results, TranscriptJsonContext.Default.IReadOnlyListTranscriptFile);
            }

            await output.WriteLineAsync(Encoding.UTF8.GetString(json.WrittenSpan));
        }

        return failed == 0 ? 0 : 1;
    }

    /// <summary>One file, with its progress on stderr: whisper's percentage per 30 s window, the
    /// audio done so far and the pace, then the summary line ("N segments in X s").</summary>
    private static async Task<IReadOnlyList<TranscriptSegment>> TranscribeAsync(WhisperWorker worker, string file, short[] samples, TextWriter error, ProgressMode mode, CancellationToken cancellationToken)
    {
        var seconds = samples.Length / 16000.0;
        using var progress = new ProgressReporter(error, string.Create(CultureInfo.InvariantCulture, $"transcribing {file} ({seconds:0.0} s)..."), mode);
        progress.Report(0);
        var segments = await worker.TranscribeAsync(SampleConversion.ToFloat(samples), percent => progress.Report(percent / 100.0, () =>
        {
            var done = seconds * Math.Max(percent, 0) / 100;
            return done <= 0 ? null : string.Create(CultureInfo.InvariantCulture, $"{done:0.0} s done at {done / Math.Max(progress.Elapsed.TotalSeconds, 1e-3):0.0}x real time");
        }), cancellationToken);
        var elapsed = progress.Elapsed.TotalSeconds;
        progress.Finish(string.Create(CultureInfo.InvariantCulture, $"{segments.Count} segments in {elapsed:0.00} s ({seconds / Math.Max(elapsed, 1e-3):0.0}x real time)"));
        return segments;
    }
}
