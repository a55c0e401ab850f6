using System.Buffers.Binary;
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Concentus;
using FriendLite.Edge.Cli;
using FriendLite.Edge.Loadgen;

namespace FriendLite.Edge.Tests.Support;

/// <summary>What one in-process <c>loadgen</c> run printed and returned.</summary>
internal sealed record LoadgenRun(int Code, string Output, string Error, TimeSpan Elapsed)
{
    /// <summary>The <c>--json</c> summary (every harness run asks for it).</summary>
    public JsonElement Summary
    {
        get
        {
            Assert.True(Output.TrimStart().StartsWith('{'), $"No JSON summary. stdout:\n{Output}\nstderr:\n{Error}");
            using var document = JsonDocument.Parse(Output);
            return document.RootElement.Clone();
        }
    }

    public void AssertExitCode(int expected) =>
        Assert.True(Code == expected, $"exit code {Code}, expected {expected}. stdout:\n{Output}\nstderr:\n{Error}");

    public long Number(string name) => Summary.GetProperty(name).GetInt64();

    public IReadOnlyDictionary<string, long> ErrorCounts =>
        Summary.GetProperty("error_counts").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
}

/// <summary>Runs the real <c>loadgen</c> command in-process, and makes the audio it streams.</summary>
internal static class LoadgenHarness
{
    public static async Task<LoadgenRun> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var root = new RootCommand("test") { LoadgenCommand.Create(output, error) };
        var clock = Stopwatch.StartNew();
        var code = await CommandLine.InvokeAsync(root, ["loadgen", .. args], output, error, cancellationToken);
        return new LoadgenRun(code, output.ToString(), error.ToString(), clock.Elapsed);
    }

    /// <summary>A sine tone, interleaved over <paramref name="channels"/>.</summary>
    public static short[] Sine(double seconds, double frequency = 440, int rate = 16000, int channels = 1, double amplitude = 8000)
    {
        var frames = (int)Math.Round(seconds * rate);
        var samples = new short[frames * channels];
        for (var i = 0; i < frames; i++)
        {
            var value = (short)Math.Round(amplitude * Math.Sin(2 * Math.PI * frequency * i / rate));
            for (var c = 0; c < channels; c++)
            {
                samples[(i * channels) + c] = value;
            }
        }

        return samples;
    }

    /// <summary>Writes a WAV file with a plain 44-byte header.</summary>
    public static string WriteWav(TempDirectory directory, short[] samples, int rate = 16000, int channels = 1, int bits = 16, string name = "audio.wav")
    {
        var data = samples.Length * (bits / 8);
        var wav = new byte[44 + data];
        var span = wav.AsSpan();
        "RIFF"u8.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], 36 + data);
        "WAVEfmt "u8.CopyTo(span[8..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(span[20..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(span[22..], (ushort)channels);
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], rate);
        BinaryPrimitives.WriteInt32LittleEndian(span[28..], rate * channels * bits / 8);
        BinaryPrimitives.WriteUInt16LittleEndian(span[32..], (ushort)(channels * bits / 8));
        BinaryPrimitives.WriteUInt16LittleEndian(span[34..], (ushort)bits);
        "data"u8.CopyTo(span[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[40..], data);
        for (var i = 0; i < samples.Length && bits == 16; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(span[(44 + (2 * i))..], samples[i]);
        }

        var path = Path.Combine(directory.Path, name);
        File.WriteAllBytes(path, wav);
        return path;
    }

    /// <summary>Decodes bare Opus packets with Concentus at 16 kHz mono, as the server will.</summary>
    public static (short[] Samples, List<int> PerPacket) DecodeOpus(IEnumerable<byte[]> packets)
    {
        using var decoder = OpusCodecFactory.CreateDecoder(16000, 1);
        var pcm = new List<short>();
        var perPacket = new List<int>();
        var buffer = new short[5760];
        foreach (var packet in packets)
        {
            var count = decoder.Decode(packet, buffer, buffer.Length, false);
            perPacket.Add(count);
            pcm.AddRange(buffer.AsSpan(0, count));
        }

        return ([.. pcm], perPacket);
    }

    /// <summary>Sign changes per second: about twice the frequency of a clean tone.</summary>
    public static double ZeroCrossingsPerSecond(ReadOnlySpan<short> samples, int rate = 16000)
    {
        var crossings = 0;
        for (var i = 1; i < samples.Length; i++)
        {
            if ((samples[i - 1] < 0) != (samples[i] < 0))
            {
                crossings++;
            }
        }

        return crossings * (double)rate / samples.Length;
    }
}
