using System.Diagnostics;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Backup;

/// <summary>What a restore did, for its summary line.</summary>
internal sealed record RestoreSummary(string DataDirectory, int Files, long Bytes, TimeSpan Elapsed, BackupManifest Manifest);

/// <summary>
/// <c>friendlite-edge restore SRC --data-dir D</c>: into a directory no server holds and that is new
/// or empty, after every file of the backup matched its manifest (a damaged backup is refused before
/// anything is written). While it copies it holds the data directory's lock, so a server started
/// meanwhile is refused as if one ran. The database's audio paths name the directory the backup was
/// taken from; they are rewritten to the new one.
/// </summary>
internal static class BackupRestorer
{
    public static async Task<RestoreSummary> RunAsync(string source, string dataDirectory, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var src = Path.TrimEndingDirectorySeparator(Path.GetFullPath(source));
        var data = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDirectory));
        if (!Directory.Exists(src))
        {
            throw new StartupException($"The backup {src} does not exist: give the directory 'friendlite-edge backup' wrote.");
        }

        if (Directory.Exists(data) && DataDirectoryLock.Probe(data) is { Running: true } server)
        {
            var holder = server.Pid is { } pid ? $"pid {pid}" : "its pid unknown";
            throw new StartupException(
                $"A friendlite-edge server ({holder}) is using the data directory {data}: stop it first (sudo systemctl stop friendlite-edge), then restore into a new or empty directory.");
        }

        if (BackupFiles.HoldsSomething(data))
        {
            throw new StartupException(
                $"The data directory {data} is not empty: restore into a new or empty directory (move the old one aside first), so that nothing of it is mixed with the backup.");
        }

        var manifest = BackupManifest.Read(src);
        if (manifest.SchemaVersion > Migrations.Latest)
        {
            throw new StartupException(
                $"The backup {src} holds a database of schema version {manifest.SchemaVersion}, newer than this friendlite-edge understands ({Migrations.Latest}): restore it with friendlite-edge {manifest.Version} or newer.");
        }

        foreach (var file in manifest.Files)
        {
            await VerifyAsync(src, file, cancellationToken);
        }

        using var held = DataDirectoryLock.Acquire(DataDirectory.Prepare(data));
        foreach (var file in manifest.Files)
        {
            var (bytes, sha256) = await Copy(src, data, file, cancellationToken);
            if (bytes != file.Bytes || sha256 != file.Sha256)
            {
                throw new StartupException($"The backup {src} changed while it was restored ({file.Path}): empty {data} and restore again.");
            }
        }

        RestoredPaths.Rewrite(Path.Combine(data, Database.FileName), [.. manifest.Files.Select(f => f.Path)], data);
        return new RestoreSummary(data, manifest.Files.Count, manifest.Files.Sum(f => f.Bytes), clock.Elapsed, manifest);
    }

    private static async Task VerifyAsync(string src, BackupFile file, CancellationToken cancellationToken)
    {
        var path = Path.Combine(src, file.Path);
        string? problem;
        try
        {
            var (bytes, sha256) = await BackupFiles.HashAsync(path, cancellationToken);
            problem = bytes != file.Bytes ? $"has {bytes} bytes, not the {file.Bytes} it had"
                : sha256 != file.Sha256 ? "does not match its checksum"
                : null;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            problem = "is missing";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot be read ({Reasons.Of(ex)})";
        }

        if (problem is not null)
        {
            throw new StartupException($"The backup {src} is damaged: {file.Path} {problem}; nothing was restored, use another backup.");
        }
    }

    private static async Task<(long Bytes, string Sha256)> Copy(string src, string data, BackupFile file, CancellationToken cancellationToken)
    {
        try
        {
            return await BackupFiles.CopyAsync(Path.Combine(src, file.Path), Path.Combine(data, file.Path), cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException(
                $"Cannot restore {file.Path} into {data} ({Reasons.Of(ex)}): check that its disk has room and that it is writable, then empty it and restore again.", ex);
        }
    }
}
