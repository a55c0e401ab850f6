using System.Diagnostics;
using System.Reflection;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Backup;

/// <summary>What a finished backup holds, for its summary line.</summary>
internal sealed record BackupSummary(string Destination, int Files, long Bytes, TimeSpan Elapsed, int OpenConversations, int Vanished, BackupManifest Manifest);

/// <summary>
/// <c>friendlite-edge backup DEST</c>: the database first (one snapshot, through SQLite's backup
/// API), then every other file of the data directory, then the manifest. It takes no lock, so it
/// runs beside a serving server. The WAV of a conversation still being recorded is copied as far as
/// it is at that moment; restored, that conversation is still open in the database and the
/// server's start repairs and closes it as after a crash. A file deleted between the snapshot and
/// its copy (a conversation deleted meanwhile) is left out and counted.
/// </summary>
internal static class BackupWriter
{
    public static string Version { get; } =
        typeof(BackupWriter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public static async Task<BackupSummary> RunAsync(string dataDirectory, string destination, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var data = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDirectory));
        var dest = Path.TrimEndingDirectorySeparator(Path.GetFullPath(destination));
        if (BackupFiles.IsWithin(dest, data))
        {
            throw new StartupException($"The backup destination {dest} is inside the data directory {data}: give a directory outside it, on another disk if you can.");
        }

        if (BackupFiles.HoldsSomething(dest))
        {
            throw new StartupException($"The backup destination {dest} is not empty: give a new or empty directory, so that no other files are mixed into the backup.");
        }

        try
        {
            BackupFiles.CreatePrivate(dest);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"Cannot create the backup destination {dest} ({Reasons.Of(ex)}): check its parent directory's permissions.", ex);
        }

        var facts = DatabaseSnapshot.Copy(Path.Combine(data, Database.FileName), Path.Combine(dest, Database.FileName));
        var files = new List<BackupFile> { await Entry(dest, Database.FileName, cancellationToken) };
        var vanished = 0;
        foreach (var relative in BackupFiles.List(data))
        {
            try
            {
                var (bytes, sha256) = await BackupFiles.CopyAsync(Path.Combine(data, relative), Path.Combine(dest, relative), cancellationToken);
                files.Add(new BackupFile(relative, bytes, sha256));
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException && !File.Exists(Path.Combine(data, relative)))
            {
                vanished++;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new StartupException(
                    $"Cannot copy {relative} into the backup ({Reasons.Of(ex)}): check that {dest} has room and that {data} is readable, then back up into a new directory.", ex);
            }
        }

        var manifest = new BackupManifest(BackupManifest.CurrentFormat, Version, DateTimeOffset.UtcNow, data, facts.SchemaVersion, facts.IntegrityCheck,
            facts.OpenConversations, facts.RowCounts, files);
        try
        {
            manifest.Write(dest);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"Cannot write the backup's manifest in {dest} ({Reasons.Of(ex)}): free some space there and back up into a new directory.", ex);
        }

        return new BackupSummary(dest, files.Count, files.Sum(f => f.Bytes), clock.Elapsed, facts.OpenConversations, vanished, manifest);
    }

    private static async Task<BackupFile> Entry(string directory, string relative, CancellationToken cancellationToken)
    {
        var (bytes, sha256) = await BackupFiles.HashAsync(Path.Combine(directory, relative), cancellationToken);
        return new BackupFile(relative, bytes, sha256);
    }
}
