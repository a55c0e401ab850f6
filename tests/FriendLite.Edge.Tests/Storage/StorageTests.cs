using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Storage;

public sealed class StorageTests
{
    [Fact]
    public async Task Open_NewDirectory_CreatesWalDatabaseAtLatestSchema()
    {
        using var dir = new TempDirectory();

        var database = Database.Open(dir.Path);

        Assert.Equal(Migrations.Latest, await database.GetSchemaVersionAsync(default));
        await using var connection = await database.OpenConnectionAsync(default);
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode;"));
        Assert.Equal(5000L, Scalar(connection, "PRAGMA busy_timeout;"));
        Assert.Equal(1L, Scalar(connection, "PRAGMA foreign_keys;"));
        foreach (var table in new[] { "users", "clients", "conversations", "transcript_segments", "memories", "memories_fts", "jobs", "schema_migrations" })
        {
            Assert.Equal(1L, Scalar(connection, $"SELECT count(*) FROM sqlite_master WHERE name = '{table}';"));
        }
    }

    [Fact]
    public async Task Open_ExistingDatabase_DoesNotRunMigrationsTwice()
    {
        using var dir = new TempDirectory();
        Database.Open(dir.Path);

        var database = Database.Open(dir.Path);

        await using var connection = await database.OpenConnectionAsync(default);
        Assert.Equal((long)Migrations.All.Count, Scalar(connection, "SELECT count(*) FROM schema_migrations;"));
    }

    [Fact]
    public void Open_FileThatIsNotADatabase_RefusesAndLeavesItUntouched()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, Database.FileName);
        File.WriteAllText(path, "these are my notes, not a database\n");
        var before = SHA256.HashData(File.ReadAllBytes(path));

        var thrown = Assert.Throws<StartupException>(() => Database.Open(dir.Path));

        Assert.Contains("damaged", thrown.Message, StringComparison.Ordinal);
        Assert.Contains(path, thrown.Message, StringComparison.Ordinal);
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(path)));
        Assert.Equal([Database.FileName], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Open_DamagedSchemaPage_RefusesAndLeavesItUntouched()
    {
        using var dir = new TempDirectory();
        Database.Open(dir.Path);
        Database.ReleasePooledConnections();
        var path = Path.Combine(dir.Path, Database.FileName);
        Checkpoint(path);
        var bytes = File.ReadAllBytes(path);
        // Keep the 100-byte header valid, scribble over the schema table on page 1.
        for (var i = 100; i < Math.Min(bytes.Length, 4096); i++)
        {
            bytes[i] = 0xA5;
        }

        File.WriteAllBytes(path, bytes);
        var before = SHA256.HashData(bytes);

        var thrown = Assert.Throws<StartupException>(() => Database.Open(dir.Path));

        Assert.Contains("damaged", thrown.Message, StringComparison.Ordinal);
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(path)));
    }

    [Fact]
    public async Task Open_DatabaseFromNewerVersion_RefusesAndLeavesItUntouched()
    {
        using var dir = new TempDirectory();
        var database = Database.Open(dir.Path);
        await using (var connection = await database.OpenConnectionAsync(default))
        {
            Execute(connection, $"INSERT INTO schema_migrations (version, name, applied_at) VALUES ({Migrations.Latest + 1}, 'from the future', 0);");
        }

        Database.ReleasePooledConnections();
        var path = Path.Combine(dir.Path, Database.FileName);
        Checkpoint(path);
        var before = SHA256.HashData(File.ReadAllBytes(path));

        var thrown = Assert.Throws<StartupException>(() => Database.Open(dir.Path));

        Assert.Contains($"schema version {Migrations.Latest + 1}", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("newer", thrown.Message, StringComparison.Ordinal);
        Database.ReleasePooledConnections();
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(path)));
    }

    [Fact]
    public async Task Memories_FullTextIndex_FollowsInsertUpdateAndDelete()
    {
        using var dir = new TempDirectory();
        var database = Database.Open(dir.Path);
        await using var connection = await database.OpenConnectionAsync(default);
        Execute(connection, "INSERT INTO users (id, email, password_hash, created_at) VALUES ('u1', 'a@example.com', 'x', 0);");
        Execute(connection, "INSERT INTO memories (id, user_id, text, created_at) VALUES (1, 'u1', 'Call the dentist on Friday at ten', 0);");
        Execute(connection, "INSERT INTO memories (id, user_id, text, created_at) VALUES (2, 'u1', 'Buy oat milk and coffee beans', 0);");

        Assert.Equal(1L, Scalar(connection, "SELECT rowid FROM memories_fts WHERE memories_fts MATCH 'dentist';"));
        Execute(connection, "UPDATE memories SET text = 'Call the plumber' WHERE id = 1;");
        Assert.Equal(0L, Scalar(connection, "SELECT count(*) FROM memories_fts WHERE memories_fts MATCH 'dentist';"));
        Assert.Equal(1L, Scalar(connection, "SELECT count(*) FROM memories_fts WHERE memories_fts MATCH 'plumber';"));
        Execute(connection, "DELETE FROM memories WHERE id = 2;");
        Assert.Equal(0L, Scalar(connection, "SELECT count(*) FROM memories_fts WHERE memories_fts MATCH 'coffee';"));
    }

    [Fact]
    public async Task Users_EmailUniqueIgnoringCase_AndDeletingAUserCascades()
    {
        using var dir = new TempDirectory();
        var database = Database.Open(dir.Path);
        await using var connection = await database.OpenConnectionAsync(default);
        Execute(connection, "INSERT INTO users (id, email, password_hash, created_at) VALUES ('u1', 'Ann@Example.com', 'x', 0);");
        Execute(connection, "INSERT INTO conversations (id, user_id, client_id, started_at) VALUES ('c1', 'u1', 'abc123-phone', 0);");

        var duplicate = Assert.Throws<SqliteException>(() =>
            Execute(connection, "INSERT INTO users (id, email, password_hash, created_at) VALUES ('u2', 'ann@example.COM', 'x', 0);"));
        Assert.Equal(19, duplicate.SqliteErrorCode); // SQLITE_CONSTRAINT

        Execute(connection, "DELETE FROM users WHERE id = 'u1';");
        Assert.Equal(0L, Scalar(connection, "SELECT count(*) FROM conversations;"));
    }

    [Fact]
    public void Prepare_PathUnderAFile_ThrowsSentenceNamingTheFlag()
    {
        using var dir = new TempDirectory();
        var file = Path.Combine(dir.Path, "not-a-directory");
        File.WriteAllText(file, "");

        var thrown = Assert.Throws<StartupException>(() => DataDirectory.Prepare(Path.Combine(file, "data")));

        Assert.Contains("not writable", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("--data-dir", thrown.Message, StringComparison.Ordinal);
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void Checkpoint(string path)
    {
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;");
        }
    }
}
