using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace FriendLite.Edge.Native;

/// <summary>One native library the binary carries: its file name and the SHA-256 of its bytes.</summary>
internal sealed record BundledLibrary(string FileName, string Sha256);

/// <summary>
/// The native libraries a published binary carries inside itself, gzip-compressed, with a manifest
/// of their checksums (FriendLite.Edge.csproj, target <c>BundleNativeLibraries</c>): so that the one
/// file copied to a Raspberry Pi is the whole server. A development build (tests, <c>dotnet run</c>)
/// carries none and loads them from beside the assembly, as Whisper.net and SQLite do by default.
/// </summary>
internal sealed class NativeBundle
{
    internal const string ManifestResource = "native/manifest.tsv";
    internal const string ResourcePrefix = "native/";

    private readonly Func<string, Stream?> _openCompressed;

    internal NativeBundle(IReadOnlyList<BundledLibrary> libraries, Func<string, Stream?> openCompressed, string id)
    {
        Libraries = libraries;
        _openCompressed = openCompressed;
        Id = id;
    }

    /// <summary>This binary's bundle, or null in a development build.</summary>
    public static NativeBundle? Embedded { get; } = FromAssembly(typeof(NativeBundle).Assembly);

    public IReadOnlyList<BundledLibrary> Libraries { get; }

    /// <summary>Names the cache folder: the version and a hash of the manifest, so two builds never share files.</summary>
    public string Id { get; }

    public BundledLibrary? Find(string fileName) => Libraries.FirstOrDefault(l => l.FileName == fileName);

    /// <summary>The library's bytes, decompressed.</summary>
    public Stream Open(BundledLibrary library) =>
        _openCompressed(library.FileName) is { } compressed
            ? new GZipStream(compressed, CompressionMode.Decompress)
            : throw new NativeLibraryException($"this binary lacks its copy of {library.FileName}: build it again with ./build.sh");

    /// <summary>Reads a manifest: one line per library, "file name TAB sha256".</summary>
    internal static NativeBundle Parse(string manifest, string version, Func<string, Stream?> openCompressed)
    {
        var libraries = new List<BundledLibrary>();
        foreach (var line in manifest.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split('\t');
            if (fields.Length < 2 || fields[1].Length != 64 || fields[0].Contains('/', StringComparison.Ordinal))
            {
                throw new InvalidDataException($"this binary's native library manifest is malformed at '{line}': build it again with ./build.sh");
            }

            libraries.Add(new BundledLibrary(fields[0], fields[1].ToLowerInvariant()));
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(manifest)))[..12];
        return new NativeBundle(libraries, openCompressed, $"{version}-{hash}");
    }

    private static NativeBundle? FromAssembly(Assembly assembly)
    {
        using var manifest = assembly.GetManifestResourceStream(ManifestResource);
        if (manifest is null)
        {
            return null;
        }

        using var reader = new StreamReader(manifest, Encoding.UTF8);
        var version = assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "0.0.0";
        return Parse(reader.ReadToEnd(), version, name => assembly.GetManifestResourceStream(ResourcePrefix + name + ".gz"));
    }
}
