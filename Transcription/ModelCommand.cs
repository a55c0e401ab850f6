using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;

namespace FriendLite.Edge.Transcription;

/// <summary><c>friendlite-edge model list|verify</c>: the standard models, and whether a model file is sound.</summary>
internal static class ModelCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var list = new Command("list", "List the standard ggml Whisper models with their sizes and checksums.");
        list.SetAction(async _ =>
        {
            await output.WriteLineAsync($"{"NAME",-14} {"FILE",-24} {"SIZE",8}  CHECKSUM");
            foreach (var m in ModelCatalog.Models)
            {
                var checksum = m.Sha256 is not null ? $"sha256 {m.Sha256}" : $"sha1 {m.Sha1}";
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{m.Name,-14} {m.File,-24} {m.ApproximateBytes / (1024 * 1024),5} MiB  {checksum}"));
            }

            await output.WriteLineAsync($"from {ModelCatalog.BaseUrl}<FILE>");
            return 0;
        });

        var path = new Argument<string>("PATH") { Description = "The model file." };
        var verify = new Command("verify", "Check a model file: header, dimensions, every tensor, and its checksum when it is a standard model.") { path };
        verify.SetAction(async (parse, cancellationToken) =>
        {
            var file = parse.GetValue(path)!;
            ModelInfo model;
            try
            {
                model = ModelFile.Inspect(file);
            }
            catch (InvalidDataException ex)
            {
                await error.WriteLineAsync($"error: {ex.Message}");
                return 1;
            }

            await output.WriteLineAsync($"{file}: {model}");
            if (ModelCatalog.ByFile(Path.GetFileName(file)) is not { } known)
            {
                await output.WriteLineAsync("not a standard model file name: no checksum to compare");
                return 0;
            }

            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
            var (algorithm, expected, actual) = known.Sha256 is not null
                ? ("sha256", known.Sha256, Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken)))
#pragma warning disable CA5350 // SHA-1 is what whisper.cpp publishes for these files: an integrity check, not security.
                : ("sha1", known.Sha1!, Convert.ToHexStringLower(await SHA1.HashDataAsync(stream, cancellationToken)));
#pragma warning restore CA5350
            if (actual != expected)
            {
                await error.WriteLineAsync($"error: {file} has {algorithm} {actual}, but {known.Name} should have {expected}: download it again.");
                return 1;
            }

            await output.WriteLineAsync($"{algorithm} matches {known.Name}");
            return 0;
        });

        var outPath = new Option<string>("--out") { Description = "Where to write the model.", Required = true };
        var size = new Option<string>("--size") { Description = "tiny, base or small.", DefaultValueFactory = _ => "tiny" };
        size.AcceptOnlyFromAmong("tiny", "base", "small");
        var synth = new Command("synth", "Write a ggml Whisper model of a real size with random weights, for tests and benchmarks (its text is noise).") { outPath, size };
        synth.SetAction(async parse =>
        {
            var target = parse.GetValue(outPath)!;
            try
            {
                ModelSynthesizer.Write(target, parse.GetValue(size)!);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"error: cannot write {target} ({ex.Message.TrimEnd('.')}).");
                return 1;
            }

            await output.WriteLineAsync($"{target}: {ModelFile.Inspect(target)}");
            return 0;
        });

        var model = new Command("model", "Whisper model files.");
        model.Subcommands.Add(synth);
        model.Subcommands.Add(list);
        model.Subcommands.Add(verify);
        return model;
    }
}
