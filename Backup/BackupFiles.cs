using System.Security.Cryptography;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Backup;

/// <summary>
/// What of a data directory a backup copies, and the copy itself. Everything is copied but what
/// belongs to a running process (the lock and pid files, write probes, uploads being received, which
/// the next start empties anyway) and the database's own files, which go through SQLite's backup API
/// instead: a copy of a live database file and its WAL is not a database.
/// </summary>
internal static class BackupFiles
{
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The files to copy, as paths relative to <paramref name="dataDirectory"/> with '/' between folders, in a stable order.</summary>
    public static List<string> List(string dataDirectory)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        return Directory.EnumerateFiles(dataDirectory, "*", options)
            .Select(path => Path.GetRelativePath(dataDirectory, path))
            .Where(relative => !Skipped(relative))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static bool Skipped(string relative)
    {
        var top = relative.Split('/')[0];
        return top.StartsWith(Database.FileName, StringComparison.Ordinal) // the database, its -wal, -shm, -journal
            || top == DataDirectoryLock.FileName
            || top.StartsWith(DataDirectoryLock.PidFileName, StringComparison.Ordinal) // and its temporary files
            || top.StartsWith(".write-probe-", StringComparison.Ordinal)
            || top == "uploads"
            // The service user's home is the data directory, so a command run as that user places
            // the native libraries in .cache/ here; the binary carries them, a backup needs none.
            || top == ".cache"
            || top.StartsWith(BackupManifest.FileName, StringComparison.Ordinal);
    }

    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="destination"/> (a new file, with the
    /// source's permissions, its folders private) and returns the bytes copied and their SHA-256. A
    /// file that is still being written (an open conversation's WAV) is copied as far as it is.
    /// </summary>
    public static async Task<(long Bytes, string Sha256)> CopyAsync(string source, string destination, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!, PrivateDirectory);
        await using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: true);
        var mode = File.GetUnixFileMode(input.SafeFileHandle);
        await using var output = new FileStream(destination, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Options = FileOptions.Asynchronous,
            BufferSize = 0,
            UnixCreateMode = mode,
        });
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await input.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            total += read;
        }

        await output.FlushAsync(cancellationToken);
        output.Flush(flushToDisk: true);
        return (total, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>The SHA-256 and length of a file, read once.</summary>
    public static async Task<(long Bytes, string Sha256)> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        var digest = await SHA256.HashDataAsync(input, cancellationToken);
        return (input.Length, Convert.ToHexStringLower(digest));
    }

    /// <summary>
    /// Creates <paramref name="directory"/> private to its owner, or makes an empty one private: a
    /// backup holds the audio, the password hashes and the signing secret, which the data directory's
    /// own mode (0700) protected. A file system without Unix modes (a FAT USB stick) keeps its own.
    /// </summary>
    public static void CreatePrivate(string directory)
    {
        Directory.CreateDirectory(directory, PrivateDirectory);
        try
        {
            File.SetUnixFileMode(directory, PrivateDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Mounted without Unix modes: nothing to set.
        }
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="directory"/> or lies inside it (full paths).</summary>
    public static bool IsWithin(string path, string directory)
    {
        var root = Path.TrimEndingDirectorySeparator(directory);
        var candidate = Path.TrimEndingDirectorySeparator(path);
        return candidate == root || candidate.StartsWith(root + "/", StringComparison.Ordinal);
    }

    /// <summary>True when <paramref name="directory"/> exists and holds anything (or is a file).</summary>
    public static bool HoldsSomething(string directory) =>
        File.Exists(directory) || (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any());
}
