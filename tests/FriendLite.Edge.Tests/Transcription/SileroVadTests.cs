using FriendLite.Edge.Audio;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Tests.Transcription;

/// <summary>Silero through Whisper.net (<c>--vad-model</c>) with the fixtures' real Silero v6.2.0 weights, streamed as a session streams.</summary>
public sealed class SileroVadTests : IDisposable
{
    private readonly SileroVadModel _model = SileroVadModel.Load(Fixtures.Path("silero-v6.2.0-ggml.bin"), new VadSettings());

    public void Dispose() => _model.Dispose();

    [Fact]
    public void Jfk_SileroFindsSpeechCoveringMostOfIt()
    {
        var segments = Stream("jfk.wav");

        Assert.NotEmpty(segments);
        Assert.InRange(segments.Sum(s => s.Seconds), 7, 11.1);
        Assert.InRange(segments[0].Start, 0, 0.5); // "And so…" starts at 0.3 s
    }

    [Fact]
    public void ThreeUtterances_AreThreeSegments_AsInTheWholeFile()
    {
        var samples = WavFile.ReadSpeech(Fixtures.Path("conversation-3utt.wav"));
        var whole = _model.Detect(SampleConversion.ToFloat(samples));

        var streamed = Stream("conversation-3utt.wav");

        // 500 ms minimum silence keeps each sentence's pauses inside it (100 ms would give 5).
        Assert.Equal(3, whole.Count);
        Assert.Equal(3, streamed.Count);
        for (var i = 0; i < 3; i++)
        {
            // Streaming segments are the whole-file ones plus 200 ms padding, within one Silero window (32 ms).
            Assert.InRange(streamed[i].Start, Math.Max(0, whole[i].Start - 0.2) - 0.04, Math.Max(0, whole[i].Start - 0.2) + 0.04);
            var end = Math.Min(whole[i].End + 0.2, samples.Length / 16000.0);
            Assert.InRange(streamed[i].End, end - 0.04, end + 0.04);
        }
    }

    [Fact]
    public void NoiseOnly_HasNoSpeech()
    {
        Assert.Empty(Stream("noise-only.wav"));
    }

    [Fact]
    public void TwoConversations_TenSecondsOfSilence_CostsNoSegment()
    {
        var segments = Stream("two-conversations.wav");

        Assert.Equal(2, segments.Count);
        Assert.True(segments[1].Start - segments[0].End > 9, $"{segments[0]} {segments[1]}");
    }

    [Fact]
    public void Load_MissingOrNotGgml_OneSentence()
    {
        using var dir = new TempDirectory();
        var text = Path.Combine(dir.Path, "silero.bin");
        File.WriteAllText(text, "not a model at all");

        var missing = Assert.Throws<InvalidDataException>(() => SileroVadModel.Load("/nonexistent/silero.bin", new VadSettings()));
        var wrong = Assert.Throws<InvalidDataException>(() => SileroVadModel.Load(text, new VadSettings()));
        var directory = Assert.Throws<InvalidDataException>(() => SileroVadModel.Load(dir.Path, new VadSettings()));

        Assert.Equal("The VAD model /nonexistent/silero.bin does not exist (a Silero ggml model such as ggml-silero-v6.2.0.bin).", missing.Message);
        Assert.Equal($"The VAD model {text} is not a ggml file (wrong magic number).", wrong.Message);
        Assert.Equal($"The VAD model {dir.Path} is a directory, not a model file.", directory.Message);
    }

    /// <summary>The file fed in 20 ms frames, as a device's audio arrives.</summary>
    private List<SpeechSegment> Stream(string fixture) => Streamed(_model, WavFile.ReadSpeech(Fixtures.Path(fixture)));

    /// <summary>What a session's Silero detector cuts from <paramref name="samples"/> arriving in 20 ms frames.</summary>
    internal static List<SpeechSegment> Streamed(SileroVadModel model, short[] samples)
    {
        var vad = new SileroVad(model, new VadSettings());
        var segments = new List<SpeechSegment>();
        for (var offset = 0; offset < samples.Length; offset += 320)
        {
            vad.Process(samples.AsSpan(offset, Math.Min(320, samples.Length - offset)), segments);
        }

        vad.Flush(segments);
        return segments;
    }
}
