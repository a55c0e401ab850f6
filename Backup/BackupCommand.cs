using System.CommandLine;
using System.Globalization;
using FriendLite.Edge.Cli;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Backup;

/// <summary><c>backup DEST</c> (beside a running server) and <c>restore SRC</c> (into a new or empty data directory no server holds).</summary>
internal static class BackupCommand
{
    public static IEnumerable<Command> Create(TextWriter output, TextWriter error)
    {
        var destination = new Argument<string>("DEST") { Description = "A new or empty directory outside the data directory, on another disk if you can." };
        var dataDir = CliOptions.DataDirectory();
        var backup = new Command("backup",
            "Copy the data directory (the database through SQLite's backup API, then the audio and secrets) into DEST, with a manifest of checksums; works while the server runs.")
        {
            destination,
            dataDir,
        };
        backup.SetAction((parse, cancellationToken) => RunAsync(error, async () =>
        {
            var data = ExistingData.Require(parse.GetValue(dataDir)!);
            var done = await BackupWriter.RunAsync(data, parse.GetValue(destination)!, cancellationToken);
            await output.WriteLineAsync(Describe(done));
        }));

        var source = new Argument<string>("SRC") { Description = "The directory 'friendlite-edge backup' wrote." };
        var target = CliOptions.DataDirectory();
        var restore = new Command("restore",
            "Restore a backup into a new or empty data directory that no server is using, after checking every file against its manifest.")
        {
            source,
            target,
        };
        restore.SetAction((parse, cancellationToken) => RunAsync(error, async () =>
        {
            var done = await BackupRestorer.RunAsync(parse.GetValue(source)!, parse.GetValue(target)!, cancellationToken);
            await output.WriteLineAsync(Describe(done));
        }));
        return [backup, restore];
    }

    private static string Describe(BackupSummary done)
    {
        var open = done.OpenConversations switch
        {
            0 => "",
            1 => "; 1 conversation was still being recorded: its audio is copied as far as it was, and a server started on a restore closes it as after a crash",
            var n => $"; {n} conversations were still being recorded: their audio is copied as far as it was, and a server started on a restore closes them as after a crash",
        };
        var vanished = done.Vanished == 0 ? "" : $"; {done.Vanished} file(s) deleted while the backup ran were left out";
        return string.Create(CultureInfo.InvariantCulture,
            $"Backed up {done.Manifest.DataDirectory} into {done.Destination}: {done.Files} files, {done.Bytes} bytes in {done.Elapsed.TotalSeconds:0.0} s (database schema {done.Manifest.SchemaVersion}, integrity ok){open}{vanished}.");
    }

    private static string Describe(RestoreSummary done)
    {
        var open = done.Manifest.OpenConversations == 0 ? "" : $"; {done.Manifest.OpenConversations} conversation(s) recorded during the backup are closed at the server's start, as after a crash";
        return string.Create(CultureInfo.InvariantCulture,
            $"Restored {done.Files} files, {done.Bytes} bytes (backup of {done.Manifest.CreatedAt:yyyy-MM-dd HH:mm} UTC by friendlite-edge {done.Manifest.Version}) into {done.DataDirectory} in {done.Elapsed.TotalSeconds:0.0} s{open}; start it with 'friendlite-edge serve --data-dir {Shell.Word(done.DataDirectory)}'.");
    }

    private static async Task<int> RunAsync(TextWriter error, Func<Task> action)
    {
        try
        {
            await action();
            return 0;
        }
        catch (StartupException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"error: A file could not be read or written ({Reasons.Of(ex)}): check the paths, and run the command as the user that owns the data directory (e.g. 'sudo -u friendlite friendlite-edge ...').");
            return 1;
        }
    }
}
