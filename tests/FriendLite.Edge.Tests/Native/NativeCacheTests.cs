using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Native;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Native;

public sealed class NativeCacheTests
{
    private static readonly Dictionary<string, byte[]> s_files = new()
    {
        ["liba.so"] = Encoding.UTF8.GetBytes(new string('a', 200_000) + "end of a"),
        ["libb.so"] = RandomNumberGenerator.GetBytes(50_000),
    };

    [Fact]
    public void Prepare_FirstUse_PlacesEveryFileWithItsBytesInAVersionedFolderOnlyItsOwnerCanEnter()
    {
        using var dir = new TempDirectory();
        var cache = new NativeCache(Bundle(), [dir.Path], Log.Null);

        var folder = cache.Prepare(["liba.so", "libb.so"]);

        Assert.Equal(Path.Combine(dir.Path, Bundle().Id), folder);
        Assert.Equal(s_files["liba.so"], File.ReadAllBytes(Path.Combine(folder, "liba.so")));
        Assert.Equal(s_files["libb.so"], File.ReadAllBytes(Path.Combine(folder, "libb.so")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        Assert.Equal(["liba.so", "libb.so"], Directory.GetFiles(folder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Prepare_OnlyWhatIsAskedFor_IsPlaced()
    {
        using var dir = new TempDirectory();

        var folder = new NativeCache(Bundle(), [dir.Path], Log.Null).Prepare(["libb.so"]);

        Assert.Equal(["libb.so"], Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void Prepare_AgainWithGoodFiles_LeavesThemAsTheyAre()
    {
        using var dir = new TempDirectory();
        var first = new LogLines(LogLevel.Debug);
        var folder = new NativeCache(Bundle(), [dir.Path], first.Log).Prepare(["liba.so"]);
        var placed = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(Path.Combine(folder, "liba.so"), placed);
        var second = new LogLines(LogLevel.Debug);

        new NativeCache(Bundle(), [dir.Path], second.Log).Prepare(["liba.so"]);

        Assert.Equal(placed, File.GetLastWriteTimeUtc(Path.Combine(folder, "liba.so")));
        var line = Assert.Single(first.Lines);
        Assert.Contains($"info native: placed the native libraries this binary carries files=liba.so folder={folder} ms=", line, StringComparison.Ordinal);
        Assert.Empty(second.Lines);
    }

    [Fact]
    public void Prepare_AlteredFile_IsReportedInOneLineAndReplaced()
    {
        using var dir = new TempDirectory();
        var lines = new LogLines(LogLevel.Debug);
        var folder = new NativeCache(Bundle(), [dir.Path], lines.Log).Prepare(["liba.so"]);
        File.WriteAllText(Path.Combine(folder, "liba.so"), "not the library any more");

        new NativeCache(Bundle(), [dir.Path], lines.Log).Prepare(["liba.so"]);

        Assert.Equal(s_files["liba.so"], File.ReadAllBytes(Path.Combine(folder, "liba.so")));
        var line = Assert.Single(lines.Lines, l => l.StartsWith("warn", StringComparison.Ordinal));
        Assert.Contains("the cached liba.so did not match its checksum (altered or damaged); replacing it", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_UnusableFirstRoot_UsesTheNextAndSaysWhy()
    {
        using var dir = new TempDirectory();
        var blocker = Path.Combine(dir.Path, "a-file");
        File.WriteAllText(blocker, "a file where the cache would be a folder");
        var lines = new LogLines(LogLevel.Debug);

        var folder = new NativeCache(Bundle(), [Path.Combine(blocker, "cache"), Path.Combine(dir.Path, "second")], lines.Log).Prepare(["libb.so"]);

        Assert.StartsWith(Path.Combine(dir.Path, "second"), folder, StringComparison.Ordinal);
        var line = Assert.Single(lines.Lines, l => l.StartsWith("warn", StringComparison.Ordinal));
        Assert.Contains($"using the native library cache {Path.Combine(dir.Path, "second")} instead", line, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(blocker, "cache"), line, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_NoUsableRoot_IsOneSentenceThatSaysWhatToSet()
    {
        using var dir = new TempDirectory();
        var blocker = Path.Combine(dir.Path, "a-file");
        File.WriteAllText(blocker, "x");

        var error = Assert.Throws<NativeLibraryException>(() => new NativeCache(Bundle(), [Path.Combine(blocker, "one"), Path.Combine(blocker, "two")], Log.Null).Prepare(["liba.so"]));

        Assert.StartsWith($"cannot place the native libraries in a cache ({Path.Combine(blocker, "one")}: ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("set FRIENDLITE_NATIVE_CACHE to a writable folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_DamagedCopyInTheBinary_IsRefusedAndLeavesNoFile()
    {
        using var dir = new TempDirectory();
        var bundle = Bundle(corrupt: "liba.so");

        var error = Assert.Throws<NativeLibraryException>(() => new NativeCache(bundle, [dir.Path], Log.Null).Prepare(["liba.so"]));

        Assert.Equal("this binary's own copy of liba.so is damaged (checksum mismatch): copy the binary again", error.Message);
        Assert.Empty(Directory.GetFiles(Path.Combine(dir.Path, bundle.Id)));
    }

    [Fact]
    public void Prepare_UnreadableCompressedCopyInTheBinary_IsTheSameSentenceAndLeavesNoFile()
    {
        // Not gzip at all: the decompressor's own exception would reach SQLite's resolver unnamed.
        using var dir = new TempDirectory();
        var bundle = Bundle(garbled: "liba.so");

        var error = Assert.Throws<NativeLibraryException>(() => new NativeCache(bundle, [dir.Path], Log.Null).Prepare(["liba.so"]));

        Assert.Equal("this binary's own copy of liba.so is damaged (checksum mismatch): copy the binary again", error.Message);
        Assert.Empty(Directory.GetFiles(Path.Combine(dir.Path, bundle.Id)));
    }

    [Fact]
    public void Prepare_LibraryTheBinaryDoesNotCarry_IsOneSentence()
    {
        using var dir = new TempDirectory();

        var error = Assert.Throws<NativeLibraryException>(() => new NativeCache(Bundle(), [dir.Path], Log.Null).Prepare(["libc.so"]));

        Assert.Equal("this binary does not carry libc.so: build it again with ./build.sh", error.Message);
    }

    [Fact]
    public async Task Prepare_ManyAtOnce_EveryoneGetsWholeFilesAndNoPartsAreLeft()
    {
        using var dir = new TempDirectory();
        using var start = new Barrier(8);

        var folders = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            start.SignalAndWait();
            return new NativeCache(Bundle(), [dir.Path], Log.Null).Prepare(["liba.so", "libb.so"]);
        })));

        Assert.Single(folders.Distinct());
        Assert.Equal(s_files["liba.so"], File.ReadAllBytes(Path.Combine(folders[0], "liba.so")));
        Assert.Equal(s_files["libb.so"], File.ReadAllBytes(Path.Combine(folders[0], "libb.so")));
        Assert.Equal(2, Directory.GetFiles(folders[0]).Length);
    }

    [Fact]
    public void Prepare_NewVersion_RemovesThePreviousVersionsFolderAndNothingElse()
    {
        using var dir = new TempDirectory();
        var previous = Directory.CreateDirectory(Path.Combine(dir.Path, "0.0.9-0123456789ab")).FullName;
        File.WriteAllText(Path.Combine(previous, "liba.so"), "old");
        var unrelated = Directory.CreateDirectory(Path.Combine(dir.Path, "notes")).FullName;

        new NativeCache(Bundle(), [dir.Path], Log.Null).Prepare(["liba.so"]);

        Assert.False(Directory.Exists(previous));
        Assert.True(Directory.Exists(unrelated));
    }

    [Fact]
    public void Roots_AreTheOverrideThenSystemdThenXdgThenHomeThenTemp_SkippingRelativeOrUnset()
    {
        var environment = new Dictionary<string, string>
        {
            ["FRIENDLITE_NATIVE_CACHE"] = "/opt/fl-cache",
            ["CACHE_DIRECTORY"] = "/var/cache/friendlite-edge:/var/cache/other",
            ["XDG_CACHE_HOME"] = "relative/cache",
            ["HOME"] = "/home/pi",
        };

        var roots = NativeCache.Roots(name => environment.GetValueOrDefault(name));

        Assert.Equal(["/opt/fl-cache", "/var/cache/friendlite-edge", "/home/pi/.cache/friendlite-edge"], roots.Take(3));
        Assert.Equal(4, roots.Count);
        Assert.StartsWith(Path.GetTempPath(), roots[3], StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MalformedManifest_IsOneSentence()
    {
        var error = Assert.Throws<InvalidDataException>(() => NativeBundle.Parse("libwhisper.so\tnot-a-hash\n", "1.0.0", _ => null));

        Assert.Equal("this binary's native library manifest is malformed at 'libwhisper.so\tnot-a-hash': build it again with ./build.sh", error.Message);
    }

    [Fact]
    public void Parse_TwoBuilds_NeverShareAFolder()
    {
        var one = NativeBundle.Parse($"liba.so\t{new string('1', 64)}\n", "1.0.0", _ => null);
        var other = NativeBundle.Parse($"liba.so\t{new string('2', 64)}\n", "1.0.0", _ => null);
        var same = NativeBundle.Parse($"liba.so\t{new string('1', 64)}\n", "1.0.0", _ => null);

        Assert.NotEqual(one.Id, other.Id);
        Assert.Equal(one.Id, same.Id);
        Assert.StartsWith("1.0.0-", one.Id, StringComparison.Ordinal);
    }

    [Fact]
    public void Embedded_DevelopmentBuild_CarriesNothing()
    {
        // Tests run the IL build without a runtime identifier: the libraries load from beside it.
        Assert.Null(NativeBundle.Embedded);
    }

    private static NativeBundle Bundle(string? corrupt = null, string? garbled = null)
    {
        var manifest = new StringBuilder();
        var compressed = new Dictionary<string, byte[]>();
        foreach (var (name, bytes) in s_files)
        {
            manifest.Append(name).Append('\t').Append(Convert.ToHexStringLower(SHA256.HashData(bytes))).Append('\n');
            var content = name == corrupt ? [.. bytes[..^1], (byte)(bytes[^1] ^ 0xff)] : bytes;
            using var buffer = new MemoryStream();
            using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(content);
            }

            compressed[name] = name == garbled ? Encoding.ASCII.GetBytes("this is not gzip data at all, not even its header") : buffer.ToArray();
        }

        return NativeBundle.Parse(manifest.ToString(), "0.1.0", name => compressed.TryGetValue(name, out var bytes) ? new MemoryStream(bytes) : null);
    }
}
