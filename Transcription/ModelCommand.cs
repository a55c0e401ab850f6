using System.CommandLine;
using System.Globalization;
using FriendLite.Edge.Cli;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Transcription;

/// <summary><c>friendlite-edge model list|verify</c>: the standard models, and whether a model file is sound.</summary>
internal static class ModelCommand
{
    public static Command Create(TextWriter output, TextWriter error, ProgressMode? progress = null)
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

            try
            {
                await ModelDownloader.VerifyAsync(file, known.Sha256, known.Sha1, cancellationToken);
            }
            catch (InvalidDataException ex)
            {
                await error.WriteLineAsync($"error: {ex.Message}");
                return 1;
            }

            await output.WriteLineAsync($"{(known.Sha256 is not null ? "sha256" : "sha1")} matches {known.Name}");
            return 0;
        });

        var outPath = new Option<string>("--out") { Description = "Where to write the model.", HelpName = "PATH", Required = true };
        var size = CliOptions.Create("--size", "The dimensions of whisper.cpp's model of that name: tiny, base or small.", "SIZE", () => "tiny",
            text => text is "tiny" or "base" or "small" ? text : throw new FormatException("is not one of tiny, base, small"), environment: "");
        var synth = new Command("synth", "Write a ggml Whisper model of a real size with random weights, for tests and benchmarks (its text is noise).") { outPath, size };
        synth.SetAction(async parse =>
        {
            var target = parse.GetValue(outPath)!;
            try
            {
                if (Path.GetDirectoryName(Path.GetFullPath(target)) is { } folder)
                {
                    if (File.Exists(folder))
                    {
                        await error.WriteLineAsync($"error: cannot write {target}: {folder} is a file, not a folder.");
                        return 1;
                    }

                    Directory.CreateDirectory(folder); // as 'model download' makes <data-dir>/models
                }

                Synthesize(target, parse.GetValue(size)!, error, progress ?? ProgressMode.For(error));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"error: cannot write {target} ({Reasons.Of(ex)}).");
                return 1;
            }

            await output.WriteLineAsync($"{target}: {ModelFile.Inspect(target)}");
            return 0;
        });

        var name = new Argument<string>("NAME") { Description = "A model from 'model list', e.g. base.en." };
        var dataDir = CliOptions.DataDirectory();
        var from = CliOptions.Create("--from", "Where the model files are (a mirror of the whisper.cpp model repository).", "URL",
            () => ModelCatalog.BaseUrl,
            text => Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out var u) && u.Scheme is "http" or "https" ? u.AbsoluteUri : throw new FormatException("is not an http(s) URL"),
            environment: "FRIENDLITE_MODEL_MIRROR");
        var sha256 = new Option<string?>("--sha256") { Description = "Expect this SHA-256 instead of the catalogue's checksum (for a mirror's own files).", HelpName = "HEX" };
        var offline = CliOptions.Flag("--offline", "Download nothing (a machine that must stay offline): say where to copy the file by hand instead.");
        var download = new Command("download", "Download a standard model into <data-dir>/models, resuming a partial download, and check it.") { name, dataDir, from, sha256, offline };
        download.SetAction(async (parse, cancellationToken) =>
        {
            var wanted = parse.GetValue(name)!;
            var known = ModelCatalog.Models.FirstOrDefault(m => m.Name == wanted);
            if (known is null)
            {
                await error.WriteLineAsync($"error: '{wanted}' is not a model this command knows: see 'friendlite-edge model list'.");
                return 1;
            }

            var source = new Uri(new Uri(parse.GetValue(from)!), known.File);
            if (parse.GetValue(offline))
            {
                // Before the data directory is prepared: a refusal creates nothing.
                await error.WriteLineAsync($"error: --offline forbids downloads: copy {known.File} from {source} into {Path.Combine(Path.GetFullPath(parse.GetValue(dataDir)!), "models")} by hand.");
                return 1;
            }

            string target;
            try
            {
                target = Path.Combine(DataDirectory.Prepare(parse.GetValue(dataDir)!), "models", known.File);
            }
            catch (StartupException ex)
            {
                await error.WriteLineAsync($"error: {ex.Message}");
                return 1;
            }

            var expected256 = parse.GetValue(sha256) ?? known.Sha256;
            try
            {
                using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
                await error.WriteLineAsync($"downloading {source}");
                await new ModelDownloader(http, error, progress ?? ProgressMode.For(error)).DownloadAsync(source, target, expected256, expected256 is null ? known.Sha1 : null, cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidDataException or TaskCanceledException)
            {
                await error.WriteLineAsync($"error: could not download {known.Name} ({Reasons.Of(ex)}); run the command again to resume, or copy {known.File} into {Path.GetDirectoryName(target)} by hand.");
                return 1;
            }

            await output.WriteLineAsync(target);
            return 0;
        });

        var model = new Command("model", "Download, check and list ggml Whisper model files.");
        model.Subcommands.Add(download);
        model.Subcommands.Add(synth);
        model.Subcommands.Add(list);
        model.Subcommands.Add(verify);
        return model;
    }

    /// <summary>Writes a synthesized model with its progress on stderr: bytes written, tensor by tensor.</summary>
    private static void Synthesize(string target, string size, TextWriter error, ProgressMode mode)
    {
        using var progress = new ProgressReporter(error, $"writing {target} ({size})...", mode);
        string Megabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0.0}");
        var tensors = ModelSynthesizer.Write(target, size, progress: (written, total) => progress.Report((double)written / total, () =>
            string.Create(CultureInfo.InvariantCulture, $"{Megabytes(written)} of {Megabytes(total)} MB at {written / 1e6 / Math.Max(progress.Elapsed.TotalSeconds, 1e-3):0.0} MB/s")));
        progress.Finish(string.Create(CultureInfo.InvariantCulture, $"{tensors} tensors in {progress.Elapsed.TotalSeconds:0.0} s"));
    }
}
