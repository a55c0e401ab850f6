using System.Globalization;
using Microsoft.Data.Sqlite;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Backup;

/// <summary>What the copied database holds, for the manifest and the summary.</summary>
internal sealed record SnapshotFacts(int SchemaVersion, string IntegrityCheck, int OpenConversations, Dictionary<string, long> RowCounts);

/// <summary>
/// The database half of a backup: SQLite's online backup API reads one consistent snapshot while
/// the server goes on writing (WAL: its writers do not wait for this reader, and no lock of ours is
/// needed), into a file of its own in rollback-journal mode, so the backup is one self-contained
/// file. The copy is then checked with <c>PRAGMA integrity_check</c> and counted.
/// </summary>
internal static class DatabaseSnapshot
{
    public static SnapshotFacts Copy(string sourcePath, string destinationPath)
    {
        try
        {
            // Read-write, though it writes nothing: a read-only connection to a WAL database leaves
            // its -wal and -shm files behind when no server runs, owned by whoever ran the backup
            // (root, say), and the server's user could then not open the database.
            using (var source = Open(sourcePath, SqliteOpenMode.ReadWrite))
            using (var destination = Open(destinationPath, SqliteOpenMode.ReadWriteCreate))
            {
                source.BackupDatabase(destination);
                Scalar(destination, "PRAGMA journal_mode = DELETE;");
            }

            using var copy = Open(destinationPath, SqliteOpenMode.ReadOnly);
            var integrity = string.Join("; ", Column(copy, "PRAGMA integrity_check;"));
            if (integrity != "ok")
            {
                throw new StartupException(
                    $"The copy of the database fails SQLite's integrity check ({Shorten(integrity)}): the database {sourcePath} may be damaged; run 'friendlite-edge doctor' on its data directory and keep your earlier backups.");
            }

            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var table in Column(copy, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE '%\\_fts\\_%' ESCAPE '\\' ORDER BY name;"))
            {
                counts[table] = Convert.ToInt64(Scalar(copy, $"SELECT count(*) FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\";"), CultureInfo.InvariantCulture);
            }

            var open = counts.ContainsKey("conversations")
                ? Convert.ToInt32(Scalar(copy, "SELECT count(*) FROM conversations WHERE state = 'open';"), CultureInfo.InvariantCulture)
                : 0;
            return new SnapshotFacts(Database.ReadSchemaVersion(copy), integrity, open, counts);
        }
        catch (SqliteException ex)
        {
            throw new StartupException($"Cannot copy the database {sourcePath} ({Database.Describe(ex)}): check that it is readable and that the backup's disk has room.", ex);
        }
    }

    /// <summary>A connection of its own, never pooled: the files must be closed when the backup hashes them.</summary>
    public static SqliteConnection Open(string path, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = mode,
            Pooling = false,
            DefaultTimeout = 5,
        }.ToString());
        connection.Open();
        return connection;
    }

    public static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static List<string> Column(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "...";
}
