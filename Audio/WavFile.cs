using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace FriendLite.Edge.Audio;

/// <summary>Reading, writing and repairing the canonical 44-byte-header PCM WAV files the server stores.</summary>
internal static class WavFile
{
    public static void WriteHeader(Span<byte> header, int sampleRate, long dataBytes, int channels = 1, int bitsPerSample = 16)
    {
        var blockAlign = channels * bitsPerSample / 8;
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)Math.Min(uint.MaxValue, 36 + dataBytes));
        "WAVEfmt "u8.CopyTo(header[8..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(header[20..], 1); // PCM
        BinaryPrimitives.WriteUInt16LittleEndian(header[22..], (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], (uint)sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(header[28..], (uint)(sampleRate * blockAlign));
        BinaryPrimitives.WriteUInt16LittleEndian(header[32..], (ushort)blockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(header[34..], (ushort)bitsPerSample);
        "data"u8.CopyTo(header[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[40..], (uint)Math.Min(uint.MaxValue, dataBytes));
    }

    /// <summary>Writes a whole 16-bit PCM file.</summary>
    public static void Write(string path, ReadOnlySpan<short> samples, int sampleRate = 16000, int channels = 1)
    {
        var bytes = new byte[WavWriter.HeaderBytes + samples.Length * 2];
        WriteHeader(bytes, sampleRate, samples.Length * 2L, channels);
        MemoryMarshal.AsBytes(samples).CopyTo(bytes.AsSpan(WavWriter.HeaderBytes));
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>
    /// Reads a 16-bit PCM WAV as the header describes it (the data size is taken from the header,
    /// capped by what the file holds). Throws <see cref="InvalidDataException"/> for anything else.
    /// </summary>
    public static (AudioFormat Format, short[] Samples) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var (format, dataOffset, dataBytes) = ParseHeader(bytes);
        if (format.Width != 2)
        {
            throw new InvalidDataException($"{path}: only 16-bit PCM is read here, not {format.Width * 8}-bit.");
        }

        var available = Math.Min(dataBytes, bytes.Length - dataOffset) & ~1;
        return (format, MemoryMarshal.Cast<byte, short>(bytes.AsSpan(dataOffset, (int)available)).ToArray());
    }

    /// <summary>
    /// Makes the header's sizes agree with the file's length (after a crash the last refresh may be
    /// behind). Returns true when it changed anything.
    /// </summary>
    public static bool Repair(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        Span<byte> header = stackalloc byte[WavWriter.HeaderBytes];
        if (file.Length < WavWriter.HeaderBytes || file.Read(header) < WavWriter.HeaderBytes || !header[..4].SequenceEqual("RIFF"u8) || !header[36..40].SequenceEqual("data"u8))
        {
            throw new InvalidDataException($"{path} is not a WAV file this server wrote.");
        }

        var dataBytes = (file.Length - WavWriter.HeaderBytes) & ~1L;
        var recorded = BinaryPrimitives.ReadUInt32LittleEndian(header[40..]);
        if (recorded == dataBytes && BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) == 36 + dataBytes)
        {
            return false;
        }

        var channels = BinaryPrimitives.ReadUInt16LittleEndian(header[22..]);
        var rate = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[24..]);
        var bits = BinaryPrimitives.ReadUInt16LittleEndian(header[34..]);
        WriteHeader(header, rate, dataBytes, channels, bits);
        file.Position = 0;
        file.Write(header);
        return true;
    }

    private static (AudioFormat Format, int DataOffset, long DataBytes) ParseHeader(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 12 || !bytes[..4].SequenceEqual("RIFF"u8) || !bytes[8..12].SequenceEqual("WAVE"u8))
        {
            throw new InvalidDataException("not a RIFF/WAVE file");
        }

        AudioFormat? format = null;
        var offset = 12;
        while (offset + 8 <= bytes.Length)
        {
            var id = bytes.Slice(offset, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(offset + 4)..]);
            var body = offset + 8;
            if (id.SequenceEqual("fmt "u8) && body + 16 <= bytes.Length)
            {
                var tag = BinaryPrimitives.ReadUInt16LittleEndian(bytes[body..]);
                if (tag != 1 && tag != 0xFFFE)
                {
                    throw new InvalidDataException($"WAV encoding {tag} is not integer PCM");
                }

                format = new AudioFormat(
                    (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes[(body + 4)..]),
                    BinaryPrimitives.ReadUInt16LittleEndian(bytes[(body + 14)..]) / 8,
                    BinaryPrimitives.ReadUInt16LittleEndian(bytes[(body + 2)..]));
            }
            else if (id.SequenceEqual("data"u8))
            {
                return format is null ? throw new InvalidDataException("WAV data before its format") : (format, body, size);
            }

            offset = body + (int)Math.Min(size + (size & 1), int.MaxValue - body);
        }

        throw new InvalidDataException("WAV file has no data chunk");
    }
}
