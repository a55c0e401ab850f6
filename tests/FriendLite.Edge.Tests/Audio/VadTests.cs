using FriendLite.Edge.Audio;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Audio;

/// <summary>The energy VAD on the fixtures: silence and noise cost nothing, utterances become segments.</summary>
public sealed class VadTests
{
    [Fact]
    public void NoiseOnly_HasNoSpeech()
    {
        Assert.Empty(EnergyVad.Detect(WavFile.ReadSpeech(Fixtures.Path("noise-only.wav"))));
    }

    [Fact]
    public void ThreeUtterances_AreThreeSegmentsAtTheirTimes()
    {
        var segments = EnergyVad.Detect(WavFile.ReadSpeech(Fixtures.Path("conversation-3utt.wav")));

        Assert.Equal(3, segments.Count);
        // Utterances separated by 2 s of digital silence: each segment ends before the next begins,
        // with a gap of well over a second.
        Assert.True(segments[1].Start - segments[0].End > 1.2, $"{segments[0]} {segments[1]}");
        Assert.True(segments[2].Start - segments[1].End > 1.2, $"{segments[1]} {segments[2]}");
        Assert.InRange(segments[0].Start, 0, 0.3);
        Assert.InRange(segments[2].End, 16.0, 17.3);
    }

    [Fact]
    public void Jfk_IsSpeechCoveringMostOfTheRecording()
    {
        var segments = EnergyVad.Detect(WavFile.ReadSpeech(Fixtures.Path("jfk.wav")));

        Assert.NotEmpty(segments);
        Assert.InRange(segments.Sum(s => s.Seconds), 7, 11);
    }

    [Fact]
    public void Streaming_InOddChunks_GivesTheSameSegmentsAsOneCall()
    {
        var samples = WavFile.ReadSpeech(Fixtures.Path("conversation-3utt.wav"));
        var vad = new EnergyVad(new VadSettings());
        var streamed = new List<SpeechSegment>();
        for (var offset = 0; offset < samples.Length; offset += 333)
        {
            vad.Process(samples.AsSpan(offset, Math.Min(333, samples.Length - offset)), streamed);
        }

        vad.Flush(streamed);

        Assert.Equal(EnergyVad.Detect(samples), streamed);
    }

    [Fact]
    public void SteadyHum_IsNoiseNotSpeech()
    {
        var hum = new short[16000 * 8];
        AudioTests.Tone(100, 16000, seconds: 8, amplitude: 0.05).CopyTo(hum, 0);

        Assert.Empty(EnergyVad.Detect(hum));
    }

    [Fact]
    public void LongSpeech_IsCutAtTheMaximumLength()
    {
        // Syllable-like bursts: 200 ms of tone, 100 ms of silence (shorter than the 500 ms hangover).
        var tone = AudioTests.Tone(220, 16000, seconds: 12);
        for (var i = 0; i < tone.Length; i++)
        {
            if (i % 4800 >= 3200)
            {
                tone[i] = 0;
            }
        }

        var segments = EnergyVad.Detect(tone, new VadSettings { MaxSegment = TimeSpan.FromSeconds(5) });

        Assert.Equal(3, segments.Count);
        Assert.All(segments.Take(2), s => Assert.InRange(s.Seconds, 5.0, 5.5));
    }
}
