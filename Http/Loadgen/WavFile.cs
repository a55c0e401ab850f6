using System.Buffers.Binary;

namespace FriendLite.Edge.Http.Loadgen;

/// <summary>
/// Reads a 16-bit PCM WAV file into 16 kHz mono samples, the format every device endpoint carries.
/// Other channel counts are averaged to mono and other rates resampled by linear interpolation:
/// good enough for load (the server hears speech-like audio of the right length), not for fidelity.
/// Any other sample format is refused with one sentence, since guessing would send noise.
/// </summary>
internal static class WavFile
{
    private const ushort FormatPcm = 1;
    private const ushort FormatExtensible = 0xFFFE;

    public static short[] ReadMono16k(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
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
            throw new InvalidDataException($"The audio file {path} {problem}: give a 16-bit PCM WAV file with --audio.", ex);
        }

        return Decode(bytes, path);
    }

    public static short[] Decode(ReadOnlySpan<byte> wav, string name)
    {
        if (wav.Length < 12 || !wav[..4].SequenceEqual("RIFF"u8) || !wav[8..12].SequenceEqual("WAVE"u8))
        {
            throw Refuse(name, "is not a WAV file");
        }

        (int Rate, int Channels)? format = null;
        var offset = 12;
        while (offset + 8 <= wav.Length)
        {
            var id = wav.Slice(offset, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(wav.Slice(offset + 4, 4));
            var body = offset + 8;
            // A writer that stopped early (or streams) leaves the size too large: take what is there.
            var length = (int)Math.Min(size, (uint)(wav.Length - body));
            if (id.SequenceEqual("fmt "u8))
            {
                format = ReadFormat(wav.Slice(body, length), name);
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (format is not { } f)
                {
                    throw Refuse(name, "has its data before its format chunk");
                }

                return ToMono16k(wav.Slice(body, length), f.Rate, f.Channels, name);
            }

            offset = body + length + (length & 1); // chunks are padded to an even size
        }

        throw Refuse(name, "has no audio data");
    }

    private static (int Rate, int Channels) ReadFormat(ReadOnlySpan<byte> fmt, string name)
    {
        if (fmt.Length < 16)
        {
            throw Refuse(name, "has a damaged format chunk");
        }

        var tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        var channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        var rate = BinaryPrimitives.ReadInt32LittleEndian(fmt[4..]);
        var bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
        // WAVE_FORMAT_EXTENSIBLE names the real format in the first two bytes of its sub-format GUID.
        if (tag == FormatExtensible && fmt.Length >= 26)
        {
            tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt[24..]);
        }

        if (tag != FormatPcm || bits != 16)
        {
            var what = tag == FormatPcm ? $"{bits}-bit PCM" : tag == 3 ? $"{bits}-bit float" : $"format {tag}";
            throw Refuse(name, $"is {what}, not 16-bit PCM");
        }

        if (channels < 1 || rate is < 1000 or > 768_000)
        {
            throw Refuse(name, $"has an impossible format ({channels} channels at {rate} Hz)");
        }

        return (rate, channels);
    }

    private static short[] ToMono16k(ReadOnlySpan<byte> data, int rate, int channels, string name)
    {
        var frames = data.Length / (2 * channels);
        if (frames == 0)
        {
            throw Refuse(name, "has no audio data");
        }

        var mono = new short[frames];
        for (var i = 0; i < frames; i++)
        {
            var sum = 0;
            for (var c = 0; c < channels; c++)
            {
                sum += BinaryPrimitives.ReadInt16LittleEndian(data.Slice(2 * ((i * channels) + c), 2));
            }

            mono[i] = (short)(sum / channels);
        }

        return rate == LoadgenOptions.SampleRate ? mono : Resample(mono, rate, LoadgenOptions.SampleRate);
    }

    internal static short[] Resample(short[] input, int fromRate, int toRate)
    {
        var length = (int)((long)input.Length * toRate / fromRate);
        var output = new short[Math.Max(length, 1)];
        var step = (double)fromRate / toRate;
        for (var i = 0; i < output.Length; i++)
        {
            var position = i * step;
            var left = (int)position;
            var right = Math.Min(left + 1, input.Length - 1);
            var fraction = position - left;
            output[i] = (short)Math.Round(input[left] + ((input[right] - input[left]) * fraction));
        }

        return output;
    }

    private static InvalidDataException Refuse(string name, string problem) =>
        new($"The audio file {name} {problem}: give a 16-bit PCM WAV file (e.g. convert it with 'sox in.wav -b 16 out.wav').");
}
