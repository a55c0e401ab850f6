using Microsoft.Data.Sqlite;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Storage;

/// <summary>
/// The SQLite database in the data directory: WAL mode, a busy timeout, foreign keys on, numbered
/// migrations. A file that is not a database, is damaged, or was written by a newer version is
/// refused with a <see cref="StartupException"/> and never modified.
/// Connections are pooled; open one per unit of work with <see cref="OpenConnectionAsync"/>.
/// </summary>
internal sealed class Database
{
    public const string FileName = "friendlite.db";
    private const int BusyTimeoutMs = 5000;
    private static readonly byte[] s_header = "SQLite format 3\0"u8.ToArray();

    private readonly string _connectionString;

    private Database(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = BusyTimeoutMs / 1000,
        }.ToString();
    }

    public string Path { get; }

    /// <summary>Opens (creating if absent) and migrates the database in <paramref name="dataDirectory"/>.</summary>
    public static Database Open(string dataDirectory)
    {
        var path = System.IO.Path.Combine(dataDirectory, FileName);
        RefuseIfNotADatabase(path);
        var database = new Database(path);
        try
        {
            using var connection = database.OpenConnection();
            RefuseIfNewer(path, ReadSchemaVersion(connection));
            Execute(connection, "PRAGMA journal_mode = WAL;");
            // The server and a CLI command may start together on a new directory: each migration
            // re-reads the version inside its write transaction (BEGIN IMMEDIATE; the other waits
            // up to the busy timeout), so a migration another process applied is not applied twice.
            while (true)
            {
                using var transaction = connection.BeginTransaction(deferred: false);
                var current = ReadSchemaVersion(connection, transaction);
                RefuseIfNewer(path, current);
                if (Migrations.All.FirstOrDefault(m => m.Version > current) is not { } next)
                {
                    break;
                }

                Apply(connection, transaction, next);
            }
        }
        catch (SqliteException ex) when (IsCorruption(ex))
        {
            SqliteConnection.ClearAllPools();
            throw Corrupt(path, ex);
        }
        catch (SqliteException ex)
        {
            // A full disk, a read-only file: one sentence instead of an unhandled exception.
            SqliteConnection.ClearAllPools();
            throw new StartupException($"The database {path} cannot be opened ({Describe(ex)}): {(ex.SqliteErrorCode == 13 ? "free some space on its disk" : "check the data directory's permissions and disk")}, then start again.", ex);
        }

        return database;
    }

    public SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, $"PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA synchronous = NORMAL;");
        return connection;
    }

    /// <summary>The rows of one query, each read by <paramref name="read"/>, on a connection of their own.</summary>
    public async Task<List<T>> QueryAsync<T>(string sql, Action<SqliteCommand> bind, Func<SqliteDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        bind(command);
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    public async Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA synchronous = NORMAL;";
            await command.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>The applied schema version (0 for a new database).</summary>
    public async Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        return ReadSchemaVersion(connection);
    }

    /// <summary>Closes pooled connections so the WAL is checkpointed and file handles are released.</summary>
    public static void ReleasePooledConnections() => SqliteConnection.ClearAllPools();

    internal static int ReadSchemaVersion(SqliteConnection connection, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations';";
        if (Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            return 0;
        }

        command.CommandText = "SELECT coalesce(max(version), 0) FROM schema_migrations;";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void RefuseIfNewer(string path, int version)
    {
        if (version > Migrations.Latest)
        {
            throw new StartupException(
                $"The database {path} has schema version {version}, newer than this friendlite-edge understands ({Migrations.Latest}): " +
                "run a newer friendlite-edge, or restore a backup made for this version; the database was not modified.");
        }
    }

    private static void Apply(SqliteConnection connection, SqliteTransaction transaction, Migration migration)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    INTEGER PRIMARY KEY,
                name       TEXT NOT NULL,
                applied_at INTEGER NOT NULL
            );
            """ + migration.Sql;
        command.ExecuteNonQuery();
        command.CommandText = "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($version, $name, $at);";
        command.Parameters.AddWithValue("$version", migration.Version);
        command.Parameters.AddWithValue("$name", migration.Name);
        command.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
        transaction.Commit();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Reads the header ourselves, so SQLite never writes to a file that is not a database.</summary>
    private static void RefuseIfNotADatabase(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        Span<byte> header = stackalloc byte[16];
        int read;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            if (file.Length == 0)
            {
                return;
            }

            read = file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }

        if (read < header.Length || !header.SequenceEqual(s_header))
        {
            throw Corrupt(path, null);
        }
    }

    /// <summary>What SQLite said, in our words (for sentences, logs and <c>/health</c>).</summary>
    public static string Describe(SqliteException ex) => ex.SqliteErrorCode switch
    {
        5 or 6 => "it is locked by another process", // SQLITE_BUSY, SQLITE_LOCKED
        8 => "it is read-only", // SQLITE_READONLY
        10 => "an input/output error from the disk", // SQLITE_IOERR
        11 or 26 => "it is damaged or is not a database", // SQLITE_CORRUPT, SQLITE_NOTADB
        13 => "the disk is full", // SQLITE_FULL
        14 => "the file cannot be opened", // SQLITE_CANTOPEN
        _ => $"SQLite error {ex.SqliteErrorCode}",
    };

    private static bool IsCorruption(SqliteException ex) =>
        ex.SqliteErrorCode is 11 /* SQLITE_CORRUPT */ or 26 /* SQLITE_NOTADB */;

    private static StartupException Corrupt(string path, Exception? inner)
    {
        var message = $"The database {path} is damaged or is not a friendlite database: restore it from a backup or move it aside to start with an empty one; it was not modified.";
        return inner is null ? new StartupException(message) : new StartupException(message, inner);
    }
}
