using Microsoft.Data.Sqlite;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Backup;

/// <summary>
/// The database names each conversation's WAV by its absolute path (and so do the transcription
/// jobs that wait on it), under the data directory it was recorded in. Restored elsewhere, those
/// paths would point at the old directory. Each path whose tail names a file of the backup is moved
/// to that file in the new directory: the tail, not the directory the manifest recorded, because the
/// server may have known its directory by another name (a symbolic link) than the backup was given.
/// Paths that name no restored file are left as they are. One transaction.
/// </summary>
internal static class RestoredPaths
{
    public static void Rewrite(string databasePath, IReadOnlyCollection<string> restoredFiles, string to)
    {
        var files = restoredFiles.ToHashSet(StringComparer.Ordinal);
        try
        {
            using var connection = DatabaseSnapshot.Open(databasePath, SqliteOpenMode.ReadWrite);
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var conversations = HasTable(command, "conversations");
            var jobs = HasTable(command, "jobs");
            var moves = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var old in Paths(command, conversations, jobs))
            {
                if (Restored(old, files) is { } relative && Path.Combine(to, relative) is var moved && moved != old)
                {
                    moves[old] = moved;
                }
            }

            command.Parameters.Add("$old", SqliteType.Text);
            command.Parameters.Add("$new", SqliteType.Text);
            foreach (var (old, moved) in moves)
            {
                command.Parameters["$old"].Value = old;
                command.Parameters["$new"].Value = moved;
                if (conversations)
                {
                    command.CommandText = "UPDATE conversations SET audio_path = $new WHERE audio_path = $old;";
                    command.ExecuteNonQuery();
                }

                if (jobs)
                {
                    command.CommandText = "UPDATE jobs SET payload = json_set(payload, '$.wav_path', $new) WHERE json_valid(payload) AND json_extract(payload, '$.wav_path') = $old;";
                    command.ExecuteNonQuery();
                }
            }

            transaction.Commit();
        }
        catch (SqliteException ex)
        {
            throw new StartupException(
                $"The restored database {databasePath} cannot be updated for its new directory ({Database.Describe(ex)}): check that it is writable, then empty the directory and restore again.", ex);
        }
    }

    /// <summary>The longest tail of <paramref name="path"/> that is a restored file's relative path.</summary>
    private static string? Restored(string path, HashSet<string> files)
    {
        for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash >= 0; slash = path.IndexOf('/', slash + 1))
        {
            if (files.Contains(path[(slash + 1)..]))
            {
                return path[(slash + 1)..];
            }
        }

        return null;
    }

    private static List<string> Paths(SqliteCommand command, bool conversations, bool jobs)
    {
        var queries = new List<string>();
        if (conversations)
        {
            queries.Add("SELECT audio_path FROM conversations WHERE audio_path IS NOT NULL");
        }

        if (jobs)
        {
            queries.Add("SELECT json_extract(payload, '$.wav_path') FROM jobs WHERE json_valid(payload) AND json_type(payload, '$.wav_path') = 'text'");
        }

        var paths = new List<string>();
        if (queries.Count == 0)
        {
            return paths;
        }

        command.CommandText = string.Join(" UNION ", queries) + ";";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            paths.Add(reader.GetString(0));
        }

        return paths;
    }

    private static bool HasTable(SqliteCommand command, string name)
    {
        command.CommandText = $"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{name}';";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }
}
