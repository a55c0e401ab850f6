// bare-whisper MODEL WAV THREADS [flash]: the baseline of tests/bench/transcribe_overhead.py. It reads a
// 16-bit mono 16 kHz PCM WAV, runs Whisper.net's ProcessAsync on it once (English, greedy, no
// temperature fallback) and prints the segment count and text on stdout; the time building the
// processor and ProcessAsync took goes to stderr. Nothing else: no model checks, no resampling,
// no formatting. "flash" turns on flash attention, as friendlite-edge does, so the two compare
// like for like.
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Whisper.net;

if (args.Length is not (3 or 4) || !int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out var threads) || threads < 1
    || (args.Length == 4 && args[3] != "flash"))
{
    await Console.Error.WriteLineAsync("usage: bare-whisper MODEL WAV THREADS [flash]");
    return 2;
}

float[] samples;
try
{
    samples = Wav.ReadMono16k(args[1]);
}
catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
{
    await Console.Error.WriteLineAsync($"bare-whisper: {args[1]}: {ex.Message}");
    return 2;
}

// Before the native library loads: OpenMP reads the policy once, when it starts its threads.
Libc.SetPassiveOpenMpWaits();

using var factory = WhisperFactory.FromPath(args[0], new WhisperFactoryOptions { UseFlashAttention = args.Length == 4 });
var segments = new List<string>();
// The clock covers what friendlite-edge transcribe's "N segments in X s" covers: building the
// processor and the whole ProcessAsync, not loading the model nor disposing.
var clock = Stopwatch.StartNew();
// The processor is disposed (awaited: the native run has ended) before the factory, which the
// using declaration above disposes last.
await using (var processor = factory.CreateBuilder()
    .WithLanguage("en")
    .WithThreads(threads)
    .WithTemperatureInc(0)
    .Build())
{
    await foreach (var segment in processor.ProcessAsync(new ReadOnlyMemory<float>(samples)))
    {
        segments.Add(segment.Text.Trim());
    }

    clock.Stop();
}

await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
    $"{segments.Count} segments in {clock.Elapsed.TotalSeconds:0.00} s ({samples.Length / 16000.0:0.0} s of audio)"));
await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{segments.Count} segments"));
foreach (var text in segments)
{
    await Console.Out.WriteLineAsync(text);
}

return 0;

/// <summary>A minimal RIFF/WAVE reader for the one format Whisper takes as is.</summary>
internal static class Wav
{
    /// <summary>The samples of a 16-bit mono 16 kHz PCM WAV as floats in [-1, 1), walking every chunk.</summary>
    public static float[] ReadMono16k(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 12 || !bytes.AsSpan(0, 4).SequenceEqual("RIFF"u8) || !bytes.AsSpan(8, 4).SequenceEqual("WAVE"u8))
        {
            throw new InvalidDataException("not a RIFF/WAVE file");
        }

        var formatSeen = false;
        var position = 12;
        while (position + 8 <= bytes.Length)
        {
            var id = bytes.AsSpan(position, 4);
            var declared = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(position + 4, 4));
            var start = position + 8;
            // A truncated or still-streaming file declares more than it holds: take what is there.
            var size = (int)Math.Min(declared, (uint)(bytes.Length - start));
            var chunk = bytes.AsSpan(start, size);
            if (id.SequenceEqual("fmt "u8))
            {
                CheckFormat(chunk);
                formatSeen = true;
            }
            else if (id.SequenceEqual("data"u8))
            {
                return formatSeen ? ToFloat(chunk) : throw new InvalidDataException("data chunk before the fmt chunk");
            }

            position = start + size + (size & 1); // chunks are padded to an even length
        }

        throw new InvalidDataException("no data chunk");
    }

    private static void CheckFormat(ReadOnlySpan<byte> fmt)
    {
        if (fmt.Length < 16)
        {
            throw new InvalidDataException("fmt chunk too short");
        }

        var tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        var channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        var rate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        var bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
        // WAVE_FORMAT_EXTENSIBLE (0xFFFE) carries the real tag in the first two bytes of its sub-format GUID.
        if (tag == 0xFFFE && fmt.Length >= 26)
        {
            tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt[24..]);
        }

        if (tag != 1 || channels != 1 || rate != 16000 || bits != 16)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"need 16-bit mono 16 kHz PCM, found format {tag}, {channels} channel(s), {rate} Hz, {bits} bits"));
        }
    }

    private static float[] ToFloat(ReadOnlySpan<byte> data)
    {
        var samples = new float[data.Length / 2];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = BinaryPrimitives.ReadInt16LittleEndian(data[(2 * i)..]) / 32768f;
        }

        return samples;
    }
}

/// <summary>The process environment that native code sees (.NET's SetEnvironmentVariable stays managed on Unix).</summary>
internal static partial class Libc
{
    /// <summary>OMP_WAIT_POLICY=passive unless already set, as friendlite-edge does: idle OpenMP threads sleep instead of spinning.</summary>
    public static void SetPassiveOpenMpWaits()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY"))
            && SetEnv("OMP_WAIT_POLICY", "passive", 1) != 0)
        {
            throw new InvalidOperationException("setenv(OMP_WAIT_POLICY) failed");
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
