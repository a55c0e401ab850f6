using FriendLite.Edge.Audio;

namespace FriendLite.Edge.Tests.Support;

/// <summary>
/// The shared test fixtures (real speech, Opus streams from the reference libopus, models), found
/// through FRIENDLITE_FIXTURES or ../shared/fixtures beside the repository. A test that needs them
/// fails with a clear message when they are absent: they are never skipped silently.
/// </summary>
internal static class Fixtures
{
    private static readonly Lazy<string> s_directory = new(Locate);

    public static string Directory => s_directory.Value;

    public static string Path(string name)
    {
        var path = System.IO.Path.Combine(Directory, name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"Fixture {name} is missing from {Directory}.", path);
    }

    /// <summary>Reads a .opuspackets file: each packet a little-endian uint16 length, then the packet.</summary>
    public static List<byte[]> OpusPackets(string name)
    {
        var bytes = File.ReadAllBytes(Path(name));
        var packets = new List<byte[]>();
        for (var offset = 0; offset + 2 <= bytes.Length;)
        {
            var length = bytes[offset] | (bytes[offset + 1] << 8);
            packets.Add(bytes.AsSpan(offset + 2, length).ToArray());
            offset += 2 + length;
        }

        return packets;
    }

    /// <summary>Reads raw s16le PCM.</summary>
    /// <summary>A fixture WAV's samples (16 kHz mono 16-bit).</summary>
    public static short[] Samples(string name) => WavFile.Read(Path(name)).Samples;

    public static short[] RawPcm(string name) =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(File.ReadAllBytes(Path(name))).ToArray();

    private static string Locate()
    {
        var configured = Environment.GetEnvironmentVariable("FRIENDLITE_FIXTURES");
        if (!string.IsNullOrEmpty(configured))
        {
            return System.IO.Directory.Exists(configured)
                ? configured
                : throw new DirectoryNotFoundException($"FRIENDLITE_FIXTURES={configured} does not exist.");
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "FriendLite.Edge.csproj")))
            {
                var shared = System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared", "fixtures"));
                return System.IO.Directory.Exists(shared)
                    ? shared
                    : throw new DirectoryNotFoundException($"The test fixtures are not at {shared}: set FRIENDLITE_FIXTURES to their folder.");
            }
        }

        throw new DirectoryNotFoundException("Cannot find the repository root from the test binaries: set FRIENDLITE_FIXTURES.");
    }
}
