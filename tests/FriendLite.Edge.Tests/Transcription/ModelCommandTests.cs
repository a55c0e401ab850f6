using System.Text.RegularExpressions;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Cli;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Tests.Transcription;

public sealed class ModelCommandTests
{
    [Fact]
    public async Task List_ShowsTheStandardModelsWithChecksums()
    {
        var (code, output, _) = await RunAsync("model", "list");

        Assert.Equal(0, code);
        Assert.Contains("ggml-base.en.bin", output, StringComparison.Ordinal);
        Assert.Contains("sha256 c77c5766f1cef09b6b7d47f21b546cbddd4157886b3b5d6d4f709e91e66c7c2b", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_SoundFileWithAnUnknownName_DescribesIt()
    {
        var (code, output, _) = await RunAsync("model", "verify", Fixtures.Path("ggml-tiny.en-for-tests.bin"));

        Assert.Equal(0, code);
        Assert.Contains("tiny (4+4 layers, 384 wide, 51864 tokens, f16, no weights: a test model", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_StandardNameWithOtherContent_FailsOnTheChecksum()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "ggml-tiny.en.bin");
        File.Copy(Fixtures.Path("ggml-tiny.en-for-tests.bin"), path);

        var (code, _, error) = await RunAsync("model", "verify", path);

        Assert.Equal(1, code);
        Assert.Contains("not the expected c78c86eb1a8faa21b369bcd33207cc90d64ae9df: download it again.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_TruncatedFile_SaysSo()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "ggml-base.en.bin");
        await File.WriteAllBytesAsync(path, File.ReadAllBytes(Fixtures.Path("ggml-tiny.en-for-tests.bin"))[..5000]);

        var (code, _, error) = await RunAsync("model", "verify", path);

        Assert.Equal(1, code);
        Assert.StartsWith($"error: The model file {path} is truncated", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Synth_NotATerminal_ShowsPlainProgressLinesAndPrintsOnlyThePathOnStdout()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "models", "synth.bin"); // a folder that does not exist yet is made, as 'model download' does

        var plain = new ProgressMode(Terminal: false, new SteppingTime(TimeSpan.FromSeconds(10)));

        var (code, output, error) = await RunAsync(plain, "model", "synth", "--out", path, "--size", "tiny");

        Assert.True(code == 0, error);
        var lines = ProgressLines.Plain(error, $"writing {path} (tiny)...");
        Assert.Equal($"writing {path} (tiny)... 0%: 0.6 of 77.7 MB", Regex.Replace(lines[0].Line, " at .*", "")); // the vocabulary, before the first tensor
        Assert.True(lines.Count >= 4, error);
        Assert.All(lines.Skip(1).SkipLast(1), l => Assert.Matches(@"\.\.\. \d+%: \d+\.\d of 77\.7 MB at \d+\.\d MB/s, about \d+ (s|min) left$", l.Line));
        Assert.Matches(@"\.\.\. 100%: 167 tensors in \d+\.\d s$", lines[^1].Line);
        Assert.StartsWith($"{path}: tiny (4+4 layers", output, StringComparison.Ordinal);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Synth_OnATerminal_RewritesOneLineInPlace()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "synth.bin");
        var terminal = new ProgressMode(Terminal: true, new SteppingTime(TimeSpan.FromSeconds(1)));

        var (code, output, error) = await RunAsync(terminal, "model", "synth", "--out", path, "--size", "tiny");

        Assert.True(code == 0, error);
        Assert.EndsWith("\n", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var label = $"writing {path} (tiny)...";
        var frames = ProgressLines.Frames(error, label);
        Assert.True(frames.Count >= 10, error); // 167 tensors, each a chance to redraw
        ProgressLines.AssertMonotonicTo100(frames.Select(f => ProgressLines.Percent(f, label)).ToList(), error);
        Assert.Matches(@"\.\.\. 100%: 167 tensors in \d+\.\d s$", frames[^1]);
        Assert.StartsWith($"{path}: tiny (4+4 layers", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Download_Offline_CreatesNoDataDirectory()
    {
        using var parent = new TempDirectory();
        var dir = Path.Combine(parent.Path, "data");

        var (code, _, error) = await RunAsync("model", "download", "base.en", "--data-dir", dir, "--offline");

        Assert.Equal(1, code);
        Assert.Equal($"error: --offline forbids downloads: copy ggml-base.en.bin from https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-base.en.bin "
            + $"into {Path.Combine(dir, "models")} by hand.\n", error);
        Assert.False(Directory.Exists(dir));
    }

    private static Task<(int Code, string Output, string Error)> RunAsync(params string[] args) =>
        CliRunner.RunAsync((output, error) => [ModelCommand.Create(output, error)], args);

    private static Task<(int Code, string Output, string Error)> RunAsync(ProgressMode progress, params string[] args) =>
        CliRunner.RunAsync((output, error) => [ModelCommand.Create(output, error, progress)], args);
}

public sealed class ModelSynthTests(SynthesizedModel synthesized) : IClassFixture<SynthesizedModel>
{
    [Fact]
    public async Task Synth_TinyModel_IsRealSizeAndWhisperRunsItToText()
    {
        var path = synthesized.Path; // written by ModelSynthesizer.Write(path, "tiny")
        var model = ModelFile.Inspect(path);
        await using var engine = WhisperEngine.Load(path, new WhisperSettings(2, TemperatureFallback: false));
        IReadOnlyList<TranscriptSegment> segments;
        await using (var worker = engine.CreateWorker())
        {
            segments = await worker.TranscribeAsync(SampleConversion.ToFloat(WavFile.ReadSpeech(Fixtures.Path("jfk.wav"))), CancellationToken.None);
        }

        Assert.Equal(("tiny", 167, 51864), (model.Size, model.Tensors, model.Vocabulary));
        Assert.InRange(model.Bytes, 70_000_000, 85_000_000); // ggml-tiny.en.bin is 75 MiB
        // It decodes like a real model: one segment of a few dozen tokens for 11 s of speech (plain
        // random weights gave hundreds of timestamp-only segments), ending with the audio.
        var segment = Assert.Single(segments);
        Assert.InRange(segment.Text.Split(' ').Length, 10, 60);
        Assert.Equal((0.0, 11.0), (segment.Start, Math.Round(segment.End, 1)));
    }
}
