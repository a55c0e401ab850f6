using FriendLite.Edge.Audio;
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

    private static Task<(int Code, string Output, string Error)> RunAsync(params string[] args) =>
        CliRunner.RunAsync((output, error) => [ModelCommand.Create(output, error)], args);
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
