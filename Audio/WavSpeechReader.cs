using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace FriendLite.Edge.Audio;

/// <summary>
/// Reads a PCM WAV from a stream (8, 16, 24 or 32-bit integer or 32-bit float; any rate and channel
/// count the server accepts from devices) as 16 kHz mono, one chunk at a time, converted as device
/// audio is (<see cref="PcmConverter"/>): a file of any length costs one chunk of memory. The
/// header is read by <see cref="Open"/>, which refuses anything else with an
/// <see cref="InvalidDataException"/> whose message names the file and says what to do.
/// </summary>
internal sealed class WavSpeechReader : IDisposable
{
    private const int ChunkFrames = 16 * 1024;
    private const int MaxFormatBytes = 64 * 1024;

    private readonly Stream _stream;
    private readonly PcmConverter _converter;
    private readonly byte[] _raw;
    private short[] _converted = [];
    private long _remaining;

    private WavSpeechReader(Stream stream, AudioFormat format, bool isFloat, long dataBytes)
    {
        _stream = stream;
        Format = format;
        IsFloat = isFloat;
        _remaining = dataBytes;
        // Float samples become 16-bit before the converter, which takes integer PCM only.
        _converter = new PcmConverter(isFloat ? format with { Width = 2 } : format);
        _raw = new byte[ChunkFrames * format.BytesPerFrame];
    }

    /// <summary>The file's own format (32-bit float has <see cref="AudioFormat.Width"/> 4 and <see cref="IsFloat"/>).</summary>
    public AudioFormat Format { get; }

    public bool IsFloat { get; }

    /// <summary>Bytes of audio read from the data chunk so far.</summary>
    public long DataBytesRead { get; private set; }

    /// <summary>Reads the header up to the data chunk; the stream is then positioned at the first sample.</summary>
    public static WavSpeechReader Open(Stream stream, string name)
    {
        Span<byte> riff = stackalloc byte[12];
        if (stream.ReadAtLeast(riff, 12, throwOnEndOfStream: false) < 12 || !riff[..4].SequenceEqual("RIFF"u8) || !riff[8..12].SequenceEqual("WAVE"u8))
        {
            throw WavFile.NotWav(name);
        }

        (AudioFormat Format, bool IsFloat)? format = null;
        Span<byte> chunk = stackalloc byte[8];
        while (stream.ReadAtLeast(chunk, 8, throwOnEndOfStream: false) == 8)
        {
            var size = BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
            if (chunk[..4].SequenceEqual("data"u8))
            {
                if (format is not { } known)
                {
                    throw WavFile.Refuse(name, "has its data before its format chunk");
                }

                if (known.Format.Problem() is { } unsupported)
                {
                    throw WavFile.Refuse(name, $"has audio the server cannot convert ({unsupported})");
                }

                // A writer that stopped early (or streams) leaves the size too large or unset: take what is there.
                return new WavSpeechReader(stream, known.Format, known.IsFloat, size is 0 or uint.MaxValue ? long.MaxValue : size);
            }

            if (chunk[..4].SequenceEqual("fmt "u8))
            {
                if (size > MaxFormatBytes)
                {
                    throw WavFile.Refuse(name, "has a damaged format chunk");
                }

                var body = new byte[size];
                format = WavFile.ReadFormat(body.AsSpan(0, stream.ReadAtLeast(body, body.Length, throwOnEndOfStream: false)), name, allowFloat: true);
                Skip(stream, size & 1);
            }
            else
            {
                Skip(stream, size + (size & 1)); // chunks are padded to an even size
            }
        }

        throw WavFile.Refuse(name, "has no audio data");
    }

    /// <summary>The next chunk of 16 kHz mono samples (valid until the next call); empty at the end of the audio.</summary>
    public ReadOnlySpan<short> ReadChunk()
    {
        while (_remaining > 0)
        {
            var want = (int)Math.Min(_raw.Length, _remaining);
            var read = _stream.ReadAtLeast(_raw.AsSpan(0, want), want, throwOnEndOfStream: false);
            if (read == 0)
            {
                _remaining = 0;
                break;
            }

            _remaining -= read;
            DataBytesRead += read;
            var converted = _converter.Convert(IsFloat ? FloatsToInt16(_raw.AsSpan(0, read & ~3)) : _raw.AsSpan(0, read));
            if (!converted.IsEmpty)
            {
                return converted;
            }
        }

        return [];
    }

    public void Dispose() => _converter.Dispose();

    private ReadOnlySpan<byte> FloatsToInt16(ReadOnlySpan<byte> bytes)
    {
        var floats = MemoryMarshal.Cast<byte, float>(bytes);
        if (_converted.Length < floats.Length)
        {
            _converted = new short[floats.Length];
        }

        for (var i = 0; i < floats.Length; i++)
        {
            _converted[i] = SampleConversion.ToInt16(floats[i]);
        }

        return MemoryMarshal.AsBytes(_converted.AsSpan(0, floats.Length));
    }

    private static void Skip(Stream stream, long bytes)
    {
        if (stream.CanSeek)
        {
            stream.Seek(bytes, SeekOrigin.Current);
            return;
        }

        Span<byte> sink = stackalloc byte[4096];
        while (bytes > 0 && stream.Read(sink[..(int)Math.Min(sink.Length, bytes)]) is > 0 and var read)
        {
            bytes -= read;
        }
    }
}
