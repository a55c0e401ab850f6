using Concentus.Structs;

namespace FriendLite.Edge.Audio;

/// <summary>
/// Decodes bare Opus packets to 16 kHz mono s16 with Concentus' managed decoder, constructed
/// directly so that no native libopus is ever loaded: no native threads, no per-client handles.
/// One decoder per session (Opus decoding is stateful); not thread-safe.
/// </summary>
internal sealed class OpusPacketDecoder : IDisposable
{
    /// <summary>The longest Opus packet is 120 ms: 1920 samples at 16 kHz.</summary>
    private const int MaxSamples = 1920;
#pragma warning disable CS0618 // The factory would prefer a native libopus when one is installed; we want managed code only.
    private readonly OpusDecoder _decoder = new(16000, 1);
#pragma warning restore CS0618
    private readonly short[] _pcm = new short[MaxSamples];

    /// <summary>Decodes one packet; the result is valid until the next call. Throws <see cref="InvalidDataException"/> for a corrupt packet.</summary>
    public ReadOnlySpan<short> Decode(ReadOnlySpan<byte> packet)
    {
        if (packet.IsEmpty)
        {
            throw new InvalidDataException("empty Opus packet");
        }

        int samples;
        try
        {
            samples = _decoder.Decode(packet, _pcm, MaxSamples, decode_fec: false);
        }
        catch (Concentus.OpusException ex)
        {
            throw new InvalidDataException($"corrupt Opus packet ({ex.Message.TrimEnd('.')})", ex);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Concentus also fails on some corrupt packets with index or argument errors, whose texts are the framework's.
            throw new InvalidDataException("corrupt Opus packet (the decoder could not read it)", ex);
        }

        return samples > 0 ? _pcm.AsSpan(0, samples) : throw new InvalidDataException("the Opus packet decoded to no audio");
    }

    public void Dispose() => _decoder.Dispose();
}
