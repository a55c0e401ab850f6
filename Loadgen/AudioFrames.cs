using System.Buffers.Binary;
using Concentus;
using Concentus.Enums;

namespace FriendLite.Edge.Loadgen;

/// <summary>
/// The audio every client sends, cut into frame payloads once at start-up and shared read-only by
/// all clients. Encoding once (instead of one Opus encoder per client) keeps the load generator's
/// CPU out of the measurement: on a small machine a thousand encoders would be the bottleneck, not
/// the server. The last frame is padded with silence, since Opus only encodes whole frames.
/// </summary>
internal sealed class AudioFrames
{
    /// <summary>About what an Omi device sends: speech-grade wideband Opus.</summary>
    public const int OpusBitrate = 32_000;

    private const int MaxOpusPacket = 1275; // the largest packet one Opus frame can take (RFC 6716, 3.2.1)

    private readonly ReadOnlyMemory<byte>[] _frames;

    private AudioFrames(ReadOnlyMemory<byte>[] frames, int samplesPerFrame, int sourceSamples)
    {
        _frames = frames;
        SamplesPerFrame = samplesPerFrame;
        SourceSamples = sourceSamples;
    }

    public int Count => _frames.Length;

    public int SamplesPerFrame { get; }

    /// <summary>Samples in the audio before padding the last frame.</summary>
    public int SourceSamples { get; }

    public TimeSpan Duration => TimeSpan.FromSeconds((double)Count * SamplesPerFrame / LoadgenOptions.SampleRate);

    public ReadOnlyMemory<byte> this[int index] => _frames[index];

    public static AudioFrames Create(short[] samples, AudioCodec codec, int samplesPerFrame)
    {
        var count = (samples.Length + samplesPerFrame - 1) / samplesPerFrame;
        var padded = new short[count * samplesPerFrame];
        samples.CopyTo(padded, 0);
        var frames = codec == AudioCodec.Opus ? EncodeOpus(padded, samplesPerFrame) : SlicePcm(padded, samplesPerFrame);
        return new AudioFrames(frames, samplesPerFrame, samples.Length);
    }

    private static ReadOnlyMemory<byte>[] SlicePcm(short[] samples, int samplesPerFrame)
    {
        // s16le on the wire whatever this machine's byte order.
        var bytes = new byte[samples.Length * 2];
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(2 * i), samples[i]);
        }

        var frameBytes = samplesPerFrame * 2;
        var frames = new ReadOnlyMemory<byte>[samples.Length / samplesPerFrame];
        for (var i = 0; i < frames.Length; i++)
        {
            frames[i] = bytes.AsMemory(i * frameBytes, frameBytes);
        }

        return frames;
    }

    private static ReadOnlyMemory<byte>[] EncodeOpus(short[] samples, int samplesPerFrame)
    {
        using var encoder = OpusCodecFactory.CreateEncoder(LoadgenOptions.SampleRate, 1, OpusApplication.OPUS_APPLICATION_VOIP);
        encoder.Bitrate = OpusBitrate;
        var frames = new ReadOnlyMemory<byte>[samples.Length / samplesPerFrame];
        var packet = new byte[MaxOpusPacket];
        for (var i = 0; i < frames.Length; i++)
        {
            var length = encoder.Encode(samples.AsSpan(i * samplesPerFrame, samplesPerFrame), samplesPerFrame, packet, packet.Length);
            frames[i] = packet.AsSpan(0, length).ToArray();
        }

        return frames;
    }
}
