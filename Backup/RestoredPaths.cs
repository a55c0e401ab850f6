using Microsoft.Data.Sqlite;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Backup;

/// <summary>
/// The database names each conversation's WAV by its absolute path (and so do the transcription
/// jobs that wait on it), under the data directory it was recorded in. Restored elsewhere, those
/// paths would point at the old directory: they are moved to the new one, in one transaction. Paths
/// outside the old directory are left as they are.
/// </summary>
internal static class RestoredPaths
{
    public static void Rewrite(string databasePath, string from, string to)
    {
        if (from == to)
        {
            return;
        }

        try
        {
            using var connection = DatabaseSnapshot.Open(databasePath, SqliteOpenMode.ReadWrite);
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.Parameters.AddWithValue("$from", from + "/");
            command.Parameters.AddWithValue("$to", to + "/");
            if (HasTable(command, "conversations"))
            {
                command.CommandText = """
                    UPDATE conversations SET audio_path = $to || substr(audio_path, length($from) + 1)
                    WHERE substr(audio_path, 1, length($from)) = $from;
                    """;
                command.ExecuteNonQuery();
            }

            if (HasTable(command, "jobs"))
            {
                command.CommandText = """
                    UPDATE jobs SET payload = json_set(payload, '$.wav_path', $to || substr(json_extract(payload, '$.wav_path'), length($from) + 1))
                    WHERE json_valid(payload) AND substr(json_extract(payload, '$.wav_path'), 1, length($from)) = $from;
                    """;
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
        catch (SqliteException ex)
        {
            throw new StartupException(
                $"The restored database {databasePath} cannot be updated for its new directory ({Database.Describe(ex)}): check that it is writable, then empty the directory and restore again.", ex);
        }
    }

    private static bool HasTable(SqliteCommand command, string name)
    {
        command.CommandText = $"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{name}';";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }
}
