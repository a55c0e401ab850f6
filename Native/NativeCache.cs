using System.Diagnostics;
using System.Security.Cryptography;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Native;

/// <summary>
/// Places a bundle's libraries in a versioned folder of a cache (<c>ROOT/VERSION-HASH/</c>) and
/// checks every file against its SHA-256 each time it is used. A file is written under a name of
/// its own, checked, and renamed into place, so two processes starting at once both end with whole,
/// identical files and a reader never sees half of one. A file that no longer matches its checksum
/// (altered or damaged) is reported in one line and replaced.
/// </summary>
internal sealed class NativeCache(NativeBundle bundle, IReadOnlyList<string> roots, Log log)
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Where the cache may live, in order: FRIENDLITE_NATIVE_CACHE, systemd's CacheDirectory, the XDG cache, ~/.cache, the temporary folder.</summary>
    public static IReadOnlyList<string> Roots(Func<string, string?> environment)
    {
        var roots = new List<string>(5);
        void Add(string? path)
        {
            if (!string.IsNullOrWhiteSpace(path) && Path.IsPathFullyQualified(path))
            {
                roots.Add(path);
            }
        }

        Add(environment("FRIENDLITE_NATIVE_CACHE"));
        Add(environment("CACHE_DIRECTORY")?.Split(':')[0]);
        Add(environment("XDG_CACHE_HOME") is { Length: > 0 } xdg ? Path.Combine(xdg, "friendlite-edge") : null);
        Add(environment("HOME") is { Length: > 0 } home ? Path.Combine(home, ".cache", "friendlite-edge") : null);
        Add(Path.Combine(Path.GetTempPath(), $"friendlite-edge-{Environment.UserName}"));
        return roots;
    }

    /// <summary>
    /// The folder holding checked copies of <paramref name="fileNames"/>: the first root that can
    /// hold them. Throws <see cref="NativeLibraryException"/> with one sentence when none can.
    /// </summary>
    public string Prepare(IReadOnlyList<string> fileNames)
    {
        var wanted = fileNames.Select(n => bundle.Find(n) ?? throw new NativeLibraryException($"this binary does not carry {n}: build it again with ./build.sh")).ToList();
        string? firstFailure = null;
        foreach (var root in roots)
        {
            var folder = Path.Combine(root, bundle.Id);
            try
            {
                var created = !Directory.Exists(folder);
                Directory.CreateDirectory(folder, OwnerOnly);
                var started = Stopwatch.GetTimestamp();
                var placed = new List<string>();
                foreach (var library in wanted)
                {
                    if (Place(folder, library))
                    {
                        placed.Add(library.FileName);
                    }
                }

                if (placed.Count > 0)
                {
                    // Once per version (or after damage): says where the libraries went and what it cost.
                    log.Info("native", "placed the native libraries this binary carries", ("files", string.Join(',', placed)), ("folder", folder),
                        ("ms", Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1)));
                }

                if (created)
                {
                    RemoveOtherVersions(root, bundle.Id);
                }

                if (firstFailure is not null)
                {
                    log.Warn("native", $"using the native library cache {root} instead", ("reason", firstFailure));
                }

                return folder;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                firstFailure ??= $"{root}: {Reasons.Of(ex)}";
            }
        }

        throw new NativeLibraryException($"cannot place the native libraries in a cache ({firstFailure ?? "no cache folder"}): set FRIENDLITE_NATIVE_CACHE to a writable folder");
    }

    /// <summary>Makes the folder's copy of <paramref name="library"/> whole; true when it had to be written.</summary>
    private bool Place(string folder, BundledLibrary library)
    {
        var path = Path.Combine(folder, library.FileName);
        if (File.Exists(path))
        {
            if (Sha256Of(path) == library.Sha256)
            {
                return false;
            }

            log.Warn("native", $"the cached {library.FileName} did not match its checksum (altered or damaged); replacing it", ("path", path));
        }

        var temporary = Path.Combine(folder, $".{library.FileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.part");
        try
        {
            string written;
            try
            {
                written = Extract(library, temporary);
            }
            catch (InvalidDataException ex)
            {
                // The compressed copy itself is unreadable: as damaged as one that decompresses to other bytes.
                throw new NativeLibraryException(Damaged(library), ex);
            }

            if (written != library.Sha256)
            {
                throw new NativeLibraryException(Damaged(library));
            }

            File.Move(temporary, path, overwrite: true); // rename(2): atomic, whoever renames last wins with the same bytes
            return true;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static string Damaged(BundledLibrary library) => $"this binary's own copy of {library.FileName} is damaged (checksum mismatch): copy the binary again";

    /// <summary>Decompresses <paramref name="library"/> into <paramref name="temporary"/>, on the disk; returns the SHA-256 of what was written.</summary>
    private string Extract(BundledLibrary library, string temporary)
    {
        using var source = bundle.Open(library);
        using var target = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnly });
        using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        int read;
        while ((read = source.Read(buffer)) > 0)
        {
            hasher.AppendData(buffer.AsSpan(0, read));
            target.Write(buffer.AsSpan(0, read));
        }

        target.Flush(flushToDisk: true);
        return Convert.ToHexStringLower(hasher.GetHashAndReset());
    }

    /// <summary>An upgrade leaves the previous version's folder behind: remove those (best effort; a running older process keeps its mapped files).</summary>
    private static void RemoveOtherVersions(string root, string current)
    {
        foreach (var other in Directory.EnumerateDirectories(root))
        {
            var name = Path.GetFileName(other);
            var dash = name.LastIndexOf('-');
            if (name != current && dash > 0 && name.Length - dash - 1 == 12 && name[(dash + 1)..].All(char.IsAsciiHexDigitLower) && char.IsAsciiDigit(name[0]))
            {
                try
                {
                    Directory.Delete(other, recursive: true);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // another user's, or in use on a system that locks files: it stays
                }
            }
        }
    }

    internal static string Sha256Of(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }
}

/// <summary>A native library could not be placed or loaded; the message is one sentence saying what to do.</summary>
internal sealed class NativeLibraryException(string message, Exception? inner = null) : Exception(message, inner);
