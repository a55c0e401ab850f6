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
        var (format, range, _) = Parse(bytes, path, allowFloat: false);
        var data = bytes.AsSpan(range);
        if (format.Width != 2)
        {
            throw Refuse(path, $"is {format.Width * 8}-bit PCM, not 16-bit");
        }

        return (format, MemoryMarshal.Cast<byte, short>(data[..(data.Length & ~1)]).ToArray());
    }

    /// <summary>
    /// Reads a PCM WAV (8, 16, 24 or 32-bit integer, or 32-bit float; any rate and channel count
    /// the server accepts from devices) as 16 kHz mono, converted as device audio is (<see cref="WavSpeechReader"/>).
    /// </summary>
    public static short[] ReadSpeech(string path)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Exception messages are resource keys in the AOT build (UseSystemResourceKeys): say it ourselves.
            var problem = ex switch
            {
                FileNotFoundException or DirectoryNotFoundException => "does not exist",
                UnauthorizedAccessException => "is not readable (permission denied)",
                _ => "cannot be read",
            };
            throw new InvalidDataException($"The audio file {path} {problem}: give a PCM WAV file.", ex);
        }

        using (file)
        {
            using var reader = WavSpeechReader.Open(file, path);
            var samples = new List<short>();
            for (var chunk = reader.ReadChunk(); !chunk.IsEmpty; chunk = reader.ReadChunk())
            {
                samples.AddRange(chunk);
            }

            return samples.Count > 0 ? [.. samples] : throw Refuse(path, "has no audio data");
        }
    }

    /// <summary>The format and where the samples are (offset and length within <paramref name="bytes"/>).</summary>
    private static (AudioFormat Format, Range Data, bool IsFloat) Parse(ReadOnlySpan<byte> bytes, string name, bool allowFloat)
    {
        if (bytes.Length < 12 || !bytes[..4].SequenceEqual("RIFF"u8) || !bytes[8..12].SequenceEqual("WAVE"u8))
        {
            throw NotWav(name);
        }

        AudioFormat? format = null;
        var isFloat = false;
        var offset = 12;
        while (offset + 8 <= bytes.Length)
        {
            var id = bytes.Slice(offset, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(offset + 4)..]);
            var body = offset + 8;
            // A writer that stopped early (or still streams) leaves the size too large: take what is there.
            var length = (int)Math.Min(size, (uint)(bytes.Length - body));
            if (id.SequenceEqual("fmt "u8))
            {
                (format, isFloat) = ReadFormat(bytes.Slice(body, length), name, allowFloat);
            }
            else if (id.SequenceEqual("data"u8))
            {
                return format is null ? throw Refuse(name, "has its data before its format chunk") : (format, body..(body + length), isFloat);
            }

            offset = body + length + (length & 1); // chunks are padded to an even size
        }

        throw Refuse(name, "has no audio data");
    }

    internal static (AudioFormat Format, bool IsFloat) ReadFormat(ReadOnlySpan<byte> fmt, string name, bool allowFloat)
    {
        if (fmt.Length < 16)
        {
            throw Refuse(name, "has a damaged format chunk");
        }

        var tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        // WAVE_FORMAT_EXTENSIBLE names the real format in the first two bytes of its sub-format GUID.
        if (tag == 0xFFFE && fmt.Length >= 26)
        {
            tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt[24..]);
        }

        var bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
        var isFloat = tag == 3 && bits == 32 && allowFloat;
        if ((tag != 1 || bits % 8 != 0) && !isFloat)
        {
            throw Refuse(name, tag == 3 ? $"is {bits}-bit float, not integer PCM" : $"is encoded as format {tag}, not PCM");
        }

        return (new AudioFormat((int)BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]), bits / 8, BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..])), isFloat);
    }

    internal static InvalidDataException NotWav(string name) =>
        new($"The audio file {name} is not a WAV file: convert it to a PCM WAV file, e.g. with 'ffmpeg -i IN -ac 1 -ar 16000 OUT.wav'.");

    internal static InvalidDataException Refuse(string name, string problem) =>
        new($"The audio file {name} {problem}: give a PCM WAV file (e.g. convert it with 'sox in.wav -b 16 out.wav').");

    /// <summary>Samples [start, end) of a 16-bit mono WAV this server wrote, as floats in [-1, 1]; fewer when the file is shorter.</summary>
    public static float[] ReadRange(string path, long startSample, long endSample) =>
        SampleConversion.ToFloat(ReadSamples(path, startSample, endSample));

    /// <summary>Samples [start, end) of a 16-bit mono WAV this server wrote; fewer when the file is shorter.</summary>
    public static short[] ReadSamples(string path, long startSample, long endSample)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var available = Math.Max(0, (file.Length - WavWriter.HeaderBytes) / 2);
        var end = Math.Min(endSample, available);
        var count = (int)Math.Max(0, end - startSample);
        var bytes = new byte[count * 2];
        file.Position = WavWriter.HeaderBytes + startSample * 2;
        file.ReadExactly(bytes);
        return MemoryMarshal.Cast<byte, short>(bytes).ToArray();
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
}
