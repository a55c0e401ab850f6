using System.Buffers.Binary;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Audio;

public sealed class AudioTests
{
    /// <summary>Concentus' managed decoder against libopus 1.3.1 on the same packets: measured 81.6 dB SNR, at most 7 LSB apart.</summary>
    public const int OpusMaxSampleDifference = 16;
    public const double OpusMinSnrDb = 70;

    [Fact]
    public void Opus_ReferenceStream_MatchesLibopusDecodeWithinTolerance()
    {
        using var decoder = new OpusPacketDecoder();
        var decoded = new List<short>();
        foreach (var packet in Fixtures.OpusPackets("jfk-20ms.opuspackets"))
        {
            decoded.AddRange(decoder.Decode(packet).ToArray());
        }

        var reference = Fixtures.RawPcm("jfk-20ms.libopus-decoded.pcm");

        Assert.Equal(reference.Length, decoded.Count);
        var (snr, maxDiff) = Compare(reference, decoded.ToArray());
        Assert.True(maxDiff <= OpusMaxSampleDifference, $"max difference {maxDiff}");
        Assert.True(snr >= OpusMinSnrDb, $"SNR {snr:0.0} dB");
    }

    [Fact]
    public void Opus_TenMillisecondFrames_Decode160SamplesEach()
    {
        using var decoder = new OpusPacketDecoder();
        var packets = Fixtures.OpusPackets("jfk-10ms.opuspackets");

        var lengths = packets.Select(p => decoder.Decode(p).Length).Distinct().ToList();

        Assert.Equal([160], lengths);
        Assert.Equal(1100, packets.Count); // 11.0 s
    }

    [Fact]
    public void Opus_CorruptPacket_ThrowsAndDecoderKeepsWorking()
    {
        using var decoder = new OpusPacketDecoder();
        var packets = Fixtures.OpusPackets("jfk-20ms.opuspackets");
        decoder.Decode(packets[0]);

        Assert.Throws<InvalidDataException>(() => decoder.Decode([]));
        Assert.Throws<InvalidDataException>(() => decoder.Decode(Enumerable.Repeat((byte)0xFF, 3000).ToArray()));
        Assert.Equal(320, decoder.Decode(packets[1]).Length);
    }

    [Fact]
    public void Pcm_Speech16kMono_PassesThroughUnchanged()
    {
        using var converter = new PcmConverter(AudioFormat.Speech);
        short[] samples = [0, 1, -1, short.MaxValue, short.MinValue, 1234];

        var output = converter.Convert(Bytes(samples)).ToArray();

        Assert.Equal(samples, output);
    }

    [Fact]
    public void Pcm_StereoAnd24And8Bit_AreMixedAndScaled()
    {
        using var stereo = new PcmConverter(new AudioFormat(16000, 2, 2));
        using var s24 = new PcmConverter(new AudioFormat(16000, 3, 1));
        using var u8 = new PcmConverter(new AudioFormat(16000, 1, 1));

        Assert.Equal([150, -100], stereo.Convert(Bytes([100, 200, -300, 100])).ToArray());
        Assert.Equal([0x1234, -2], s24.Convert([0x00, 0x34, 0x12, 0xFF, 0xFE, 0xFF]).ToArray());
        Assert.Equal([-32768, 0, 32512], u8.Convert([0, 128, 255]).ToArray());
    }

    [Fact]
    public void Pcm_SampleFramesSplitAcrossChunks_ConvertAsOneStream()
    {
        var input = Bytes(Enumerable.Range(0, 300).Select(i => (short)(i * 100)).ToArray());
        using var whole = new PcmConverter(new AudioFormat(16000, 2, 2));
        using var pieces = new PcmConverter(new AudioFormat(16000, 2, 2));

        var expected = whole.Convert(input).ToArray();
        var actual = new List<short>();
        foreach (var size in new[] { 1, 2, 3, 5, 7, 11, 100, 300 })
        {
            var take = Math.Min(size, input.Length);
            actual.AddRange(pieces.Convert(input.AsSpan(0, take)).ToArray());
            input = input[take..];
        }

        actual.AddRange(pieces.Convert(input).ToArray());
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Pcm_48kTone_IsResampledTo16kKeepingPitchAndLevel()
    {
        using var converter = new PcmConverter(new AudioFormat(48000, 2, 1));
        var output = ConvertInChunks(converter, Tone(1000, 48000, seconds: 2), 960);

        Assert.InRange(output.Length, 31_800, 32_000);
        var steady = output.AsSpan(4000, 24000);
        Assert.InRange(Rms(steady) / (0.5 * short.MaxValue / Math.Sqrt(2)), 0.95, 1.05); // within ~0.4 dB
        Assert.InRange(DominantFrequency(steady, 16000), 990, 1010);
    }

    [Fact]
    public void Pcm_ToneAboveTheNewNyquist_IsFilteredNotAliased()
    {
        using var converter = new PcmConverter(new AudioFormat(48000, 2, 1));
        var output = ConvertInChunks(converter, Tone(11000, 48000, seconds: 1), 960);

        var attenuationDb = 20 * Math.Log10(Rms(output.AsSpan(2000, 12000)) / (0.5 * short.MaxValue / Math.Sqrt(2)));
        Assert.True(attenuationDb < -40, $"an 11 kHz tone came through at {attenuationDb:0.0} dB");
    }

    [Fact]
    public void Wav_Growing_HeaderIsValidEverySecondAndExactAtClose()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "a", "b", "conv.wav");
        var samples = Tone(440, 16000, seconds: 2.5);
        var writer = WavWriter.Create(path);
        foreach (var chunk in samples.Chunk(320))
        {
            writer.Write(chunk);
        }

        var midway = WavFile.Read(path).Samples.Length; // what a reader sees before close
        writer.Dispose();
        var (format, stored) = WavFile.Read(path);

        Assert.InRange(midway, 32_000, 40_000);
        Assert.Equal(AudioFormat.Speech, format);
        Assert.Equal(samples, stored);
        Assert.Throws<IOException>(() => WavWriter.Create(path)); // never overwrites
    }

    [Fact]
    public void Wav_Repair_AfterACrashRecoversSamplesBeyondTheLastRefresh()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "crash.wav");
        var samples = Tone(440, 16000, seconds: 1.5);
        using (var writer = WavWriter.Create(path))
        {
            writer.Write(samples);
        }

        // Simulate a crash: 0.7 s more audio reached the file, the header never learned of it.
        var extra = Tone(880, 16000, seconds: 0.7);
        using (var file = new FileStream(path, FileMode.Append))
        {
            file.Write(Bytes(extra));
        }

        Assert.Equal(samples.Length, WavFile.Read(path).Samples.Length);
        Assert.True(WavFile.Repair(path));
        Assert.False(WavFile.Repair(path));
        Assert.Equal(samples.Concat(extra).ToArray(), WavFile.Read(path).Samples);
    }

    internal static (double SnrDb, int MaxDifference) Compare(short[] reference, short[] actual)
    {
        double signal = 0, noise = 0;
        var maxDiff = 0;
        for (var i = 0; i < Math.Min(reference.Length, actual.Length); i++)
        {
            signal += (double)reference[i] * reference[i];
            var d = actual[i] - reference[i];
            noise += (double)d * d;
            maxDiff = Math.Max(maxDiff, Math.Abs(d));
        }

        return (10 * Math.Log10(signal / Math.Max(noise, 1)), maxDiff);
    }

    internal static short[] Tone(double hz, int rate, double seconds, double amplitude = 0.5) =>
        Enumerable.Range(0, (int)(rate * seconds)).Select(i => (short)(amplitude * short.MaxValue * Math.Sin(2 * Math.PI * hz * i / rate))).ToArray();

    internal static byte[] Bytes(short[] samples)
    {
        var bytes = new byte[samples.Length * 2];
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(i * 2), samples[i]);
        }

        return bytes;
    }

    private static short[] ConvertInChunks(PcmConverter converter, short[] input, int chunkSamples)
    {
        var output = new List<short>();
        foreach (var chunk in input.Chunk(chunkSamples))
        {
            output.AddRange(converter.Convert(Bytes(chunk)).ToArray());
        }

        return [.. output];
    }

    private static double Rms(ReadOnlySpan<short> samples)
    {
        double sum = 0;
        foreach (var s in samples)
        {
            sum += (double)s * s;
        }

        return Math.Sqrt(sum / samples.Length);
    }

    /// <summary>Frequency from the zero-crossing rate: enough for a pure tone.</summary>
    private static double DominantFrequency(ReadOnlySpan<short> samples, int rate)
    {
        var crossings = 0;
        for (var i = 1; i < samples.Length; i++)
        {
            if ((samples[i - 1] < 0) != (samples[i] < 0))
            {
                crossings++;
            }
        }

        return crossings / 2.0 * rate / samples.Length;
    }
}
