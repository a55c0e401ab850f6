using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Cli;
using FriendLite.Edge.Tests.Audio;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Tests.Transcription;

/// <summary>The Whisper engine and the offline transcribe command, on the fixtures' test model (real header and vocabulary, no weights).</summary>
public sealed class TranscriptionTests
{
    private static string TestModel => Fixtures.Path("ggml-tiny.en-for-tests.bin");

    [Fact]
    public void ModelFile_TestModel_IsATinyShapeWithoutWeights()
    {
        var model = ModelFile.Inspect(TestModel);

        Assert.Equal(("tiny", 51864, 80, 4, 384, 0), (model.Size, model.Vocabulary, model.Mels, model.AudioLayers, model.AudioState, model.Tensors));
        Assert.False(model.HasWeights);
    }

    [Theory]
    [InlineData("truncated", "is truncated")]
    [InlineData("magic", "is not a ggml Whisper model (wrong magic number)")]
    [InlineData("dims", "has impossible hyper-parameters")]
    [InlineData("missing", "does not exist")]
    [InlineData("directory", "is a directory, not a model file")]
    public void ModelFile_BrokenFiles_AreNamedWithTheirProblem(string damage, string problem)
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "model.bin");
        var bytes = File.ReadAllBytes(TestModel);
        switch (damage)
        {
            case "truncated":
                bytes = bytes[..(bytes.Length / 2)];
                break;
            case "magic":
                bytes[0] ^= 0xFF;
                break;
            case "dims":
                BitConverter.GetBytes(-1).CopyTo(bytes, 4 + (4 * 9)); // n_mels
                break;
        }

        if (damage == "directory")
        {
            Directory.CreateDirectory(path);
        }
        else if (damage != "missing")
        {
            File.WriteAllBytes(path, bytes);
        }

        var thrown = Assert.Throws<InvalidDataException>(() => ModelFile.Inspect(path));

        Assert.StartsWith($"The model file {path} {problem}", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Engine_MissingModel_SaysHowToGetOne()
    {
        var thrown = Assert.Throws<InvalidDataException>(() => WhisperEngine.Load("/nonexistent/ggml-base.en.bin", new WhisperSettings(1)));

        Assert.Contains("pass it with --model", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transcribe_TestModel_RunsAndPrintsJsonPerFile()
    {
        using var dir = new TempDirectory();
        var floatWav = Path.Combine(dir.Path, "float.wav");
        WriteFloatWav(floatWav, AudioTests.Tone(300, 44100, seconds: 1).Select(s => s / 32768f).ToArray(), 44100);

        var (code, output, error) = await RunAsync("transcribe", "--model", TestModel, "--threads", "2", "--format", "json", Fixtures.Path("jfk.wav"), floatWav);

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        var files = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, files.Count);
        Assert.Equal(11.0, files[0].GetProperty("seconds").GetDouble(), 2);
        Assert.Equal(1.0, files[1].GetProperty("seconds").GetDouble(), 2);
        Assert.Equal("ggml-tiny.en-for-tests.bin", files[0].GetProperty("model").GetString());
        Assert.Contains("model tiny", error, StringComparison.Ordinal);
        Assert.Contains("transcribing", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transcribe_BadFileAmongGood_ExitsOneAfterDoingTheRest()
    {
        using var dir = new TempDirectory();
        var bad = Path.Combine(dir.Path, "notes.wav");
        await File.WriteAllTextAsync(bad, "not audio");

        var (code, output, error) = await RunAsync("transcribe", "--model", TestModel, "--format", "json", bad, Fixtures.Path("jfk.wav"));

        Assert.Equal(1, code);
        // Not a WAV at all (an MP3, say): the way out is a converter that reads anything, not sox on "in.wav".
        Assert.Contains($"error: The audio file {bad} is not a WAV file: convert it to a PCM WAV file, e.g. with 'ffmpeg -i IN -ac 1 -ar 16000 OUT.wav'.", error, StringComparison.Ordinal);
        Assert.Single(JsonDocument.Parse(output).RootElement.EnumerateArray());
    }

    [Fact]
    public async Task Transcribe_WithoutModel_ExitsOneSayingWhatToPass()
    {
        var (code, _, error) = await RunAsync("transcribe", Fixtures.Path("jfk.wav"));

        Assert.Equal(1, code);
        Assert.StartsWith("error: No model given: pass --model PATH", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transcribe_NotATerminal_ShowsPlainProgressLinesAndKeepsStdoutClean()
    {
        using var dir = new TempDirectory();
        var wav = LongWav(dir.Path, repeats: 6); // 66 s: three of whisper's 30 s windows, each reported
        var plain = new ProgressMode(Terminal: false, new SteppingTime(TimeSpan.FromSeconds(10)));

        var (code, output, error) = await RunAsync(plain, "transcribe", "--model", TestModel, "--threads", "2", "--format", "json", wav);

        Assert.Equal(0, code);
        var lines = ProgressLines.Plain(error, $"transcribing {wav} (66.0 s)...");
        Assert.Equal($"transcribing {wav} (66.0 s)... 0%", lines[0].Line);
        var windows = lines.Where(l => l.Percent is > 0 and < 100).ToList();
        Assert.NotEmpty(windows);
        foreach (var (percent, line) in windows)
        {
            var match = Regex.Match(line, @"\.\.\. \d+%: (\d+\.\d) s done at \d+\.\dx real time, about \d+ (s|min) left$");
            Assert.True(match.Success, line);
            Assert.Equal(66.0 * percent / 100, double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), 0.7);
        }

        Assert.Matches(@"\.\.\. 100%: \d+ segments in \d+\.\d\d s \(\d+\.\dx real time\)$", lines[^1].Line);
        Assert.Equal(66.0, Assert.Single(JsonDocument.Parse(output).RootElement.EnumerateArray()).GetProperty("seconds").GetDouble(), 2);
    }

    [Fact]
    public async Task Transcribe_OnATerminal_RewritesOneLineInPlaceAndEndsIt()
    {
        using var dir = new TempDirectory();
        var wav = LongWav(dir.Path, repeats: 3); // 33 s: two windows
        var terminal = new ProgressMode(Terminal: true, new SteppingTime(TimeSpan.FromSeconds(1)));

        var (code, output, error) = await RunAsync(terminal, "transcribe", "--model", TestModel, "--threads", "2", wav);

        Assert.Equal(0, code);
        var label = $"transcribing {wav} (33.0 s)...";
        var lines = error.Split('\n');
        Assert.Equal(3, lines.Length); // the model, the one progress line, nothing after its newline
        Assert.StartsWith("model tiny", lines[0], StringComparison.Ordinal);
        Assert.Equal("", lines[2]);
        var frames = ProgressLines.Frames(error, label);
        ProgressLines.AssertMonotonicTo100(frames.Select(f => ProgressLines.Percent(f, label)).ToList(), error);
        Assert.Contains(frames, f => Regex.IsMatch(f, @"\.\.\. \d+%: \d+\.\d s done at \d+\.\dx real time, about \d+ (s|min) left$") && ProgressLines.Percent(f, label) > 0);
        Assert.Matches(@"\.\.\. 100%: \d+ segments in \d+\.\d\d s \(\d+\.\dx real time\)$", frames[^1]);
        Assert.DoesNotContain('\r', output);
        Assert.DoesNotContain("transcribing", output, StringComparison.Ordinal);
    }

    /// <summary>jfk.wav (11 s) over and over.</summary>
    internal static string LongWav(string directory, int repeats)
    {
        var speech = WavFile.ReadSpeech(Fixtures.Path("jfk.wav"));
        var path = Path.Combine(directory, $"jfk-x{repeats}.wav");
        WavFile.Write(path, Enumerable.Repeat(speech, repeats).SelectMany(s => s).ToArray());
        return path;
    }

    [Fact]
    public void Formats_SrtAndVtt_HaveNumberedCuesAndMillisecondTimes()
    {
        TranscriptSegment[] segments = [new(0, 2.5, "Ask not"), new(3661.0456, 3662, "what your country")];

        Assert.Equal("1\n00:00:00,000 --> 00:00:02,500\nAsk not\n\n2\n01:01:01,046 --> 01:01:02,000\nwhat your country\n\n", TranscriptFormat.Srt(segments));
        Assert.Equal("WEBVTT\n\n00:00:00.000 --> 00:00:02.500\nAsk not\n\n01:01:01.046 --> 01:01:02.000\nwhat your country\n\n", TranscriptFormat.Vtt(segments));
        Assert.Equal("Ask not what your country", TranscriptFormat.Text(segments));
    }

    private static void WriteFloatWav(string path, float[] samples, int rate)
    {
        var bytes = new byte[44 + samples.Length * 4];
        WavFile.WriteHeader(bytes, rate, samples.Length * 4L, channels: 1, bitsPerSample: 32);
        BitConverter.GetBytes((ushort)3).CopyTo(bytes, 20); // IEEE float
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(samples.AsSpan()).CopyTo(bytes.AsSpan(44));
        File.WriteAllBytes(path, bytes);
    }

    private static Task<(int Code, string Output, string Error)> RunAsync(params string[] args) =>
        CliRunner.RunAsync((output, error) => [TranscribeCommand.Create(output, error)], args);

    private static Task<(int Code, string Output, string Error)> RunAsync(ProgressMode progress, params string[] args) =>
        CliRunner.RunAsync((output, error) => [TranscribeCommand.Create(output, error, progress)], args);
}
