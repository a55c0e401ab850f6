using System.Buffers.Binary;
using Concentus.Common;

namespace FriendLite.Edge.Audio;

/// <summary>
/// Converts a PCM stream of any supported format to 16 kHz mono s16: unsigned 8-bit or signed
/// 16/24/32-bit little-endian samples, channels averaged, then resampled with the Speex resampler
/// (Concentus' port) at quality <see cref="ResamplerQuality"/> of 10. Stateful across chunks
/// (partial sample frames are carried over, the resampler keeps its filter history); one per stream.
/// </summary>
internal sealed class PcmConverter : IDisposable
{
    public const int ResamplerQuality = 6;
    private const int TargetRate = 16000;

    private readonly SpeexResampler? _resampler;
    private readonly byte[] _carry;
    private int _carried;
    private short[] _mono = new short[4096];
    private short[] _output = new short[4096];

    public PcmConverter(AudioFormat format)
    {
        if (format.Problem() is { } problem)
        {
            throw new NotSupportedException(problem);
        }

        Format = format;
        _carry = new byte[format.BytesPerFrame];
        if (format.Rate != TargetRate)
        {
#pragma warning disable CS0618 // The factory may pick a native resampler; the managed one is the same on every machine.
            _resampler = new SpeexResampler(1, format.Rate, TargetRate, ResamplerQuality);
#pragma warning restore CS0618
            _resampler.SkipZeroes(); // drop the filter's leading delay so output lines up with input
        }
    }

    public AudioFormat Format { get; }

    /// <summary>Converts a chunk; the result is valid until the next call.</summary>
    public ReadOnlySpan<short> Convert(ReadOnlySpan<byte> input)
    {
        var frameBytes = Format.BytesPerFrame;
        var frames = (_carried + input.Length) / frameBytes;
        EnsureCapacity(ref _mono, frames);
        var written = 0;

        if (_carried > 0)
        {
            var needed = frameBytes - _carried;
            if (input.Length < needed)
            {
                input.CopyTo(_carry.AsSpan(_carried));
                _carried += input.Length;
                return [];
            }

            input[..needed].CopyTo(_carry.AsSpan(_carried));
            _mono[written++] = MixFrame(_carry);
            input = input[needed..];
            _carried = 0;
        }

        while (input.Length >= frameBytes)
        {
            _mono[written++] = MixFrame(input[..frameBytes]);
            input = input[frameBytes..];
        }

        input.CopyTo(_carry);
        _carried = input.Length;
        return Resample(_mono.AsSpan(0, written));
    }

    public void Dispose() => _resampler?.Dispose();

    private ReadOnlySpan<short> Resample(Span<short> mono)
    {
        if (_resampler is null || mono.IsEmpty)
        {
            return mono;
        }

        var expected = (int)((long)mono.Length * TargetRate / Format.Rate) + 16;
        EnsureCapacity(ref _output, expected);
        var inLength = mono.Length;
        var outLength = _output.Length;
        _resampler.Process(0, mono, ref inLength, _output, ref outLength);
        return _output.AsSpan(0, outLength);
    }

    private short MixFrame(ReadOnlySpan<byte> frame)
    {
        var width = Format.Width;
        var channels = Format.Channels;
        if (channels == 1)
        {
            return Sample(frame, width);
        }

        var sum = 0;
        for (var c = 0; c < channels; c++)
        {
            sum += Sample(frame.Slice(c * width, width), width);
        }

        return (short)(sum / channels);
    }

    private static short Sample(ReadOnlySpan<byte> bytes, int width) => width switch
    {
        1 => (short)((bytes[0] - 128) << 8),
        2 => BinaryPrimitives.ReadInt16LittleEndian(bytes),
        3 => (short)(bytes[1] | (bytes[2] << 8)),
        _ => (short)(BinaryPrimitives.ReadInt32LittleEndian(bytes) >> 16),
    };

    private static void EnsureCapacity(ref short[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new short[Math.Max(length, buffer.Length * 2)];
        }
    }
}
