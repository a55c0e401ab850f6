using System.Globalization;

namespace FriendLite.Edge.Storage;

internal sealed record ConversationRow(
    string Id,
    string UserId,
    string ClientId,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    string? AudioPath,
    int SampleRate,
    long SampleCount,
    string State)
{
    /// <summary>Set by extraction: at most six words saying what it was about.</summary>
    public string? Title { get; init; }

    /// <summary>Set by extraction: one sentence.</summary>
    public string? Summary { get; init; }
}

/// <summary>Conversations and per-user client records: who owns which device and which audio.</summary>
internal sealed partial class ConversationStore(Database database)
{
    public async Task CreateAsync(ConversationRow conversation, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO conversations (id, user_id, client_id, started_at, audio_path, sample_rate, sample_count, state)
            VALUES ($id, $user, $client, $started, $path, $rate, 0, 'open');
            """;
        command.Parameters.AddWithValue("$id", conversation.Id);
        command.Parameters.AddWithValue("$user", conversation.UserId);
        command.Parameters.AddWithValue("$client", conversation.ClientId);
        command.Parameters.AddWithValue("$started", conversation.StartedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$path", (object?)conversation.AudioPath ?? DBNull.Value);
        command.Parameters.AddWithValue("$rate", conversation.SampleRate);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The durable job that turns a closed conversation into memories, action items and a title.</summary>
    public const string ExtractJobKind = "extract";

    /// <summary>
    /// Marks an open conversation closed (or failed). Returns false when it was not open: closing
    /// happens once. Closing it (not failing it) also queues its extraction, in the same
    /// transaction: every way a conversation closes (a device's silence or departure, the close
    /// endpoint, an upload, recovery after a crash) leaves one durable extraction job. The close
    /// does not depend on it: when the jobs table refuses the job, the conversation is closed all
    /// the same (its audio is what must not be lost), and the next start queues the extraction
    /// (<see cref="QueueMissingExtractionsAsync"/>).
    /// </summary>
    public async Task<bool> CloseAsync(string id, DateTimeOffset endedAt, long sampleCount, string state, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = (Microsoft.Data.Sqlite.SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "UPDATE conversations SET ended_at = $ended, sample_count = $samples, state = $state WHERE id = $id AND state = 'open';";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$ended", endedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$samples", sampleCount);
        command.Parameters.AddWithValue("$state", state);
        var closed = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        if (closed && state == "closed")
        {
            await transaction.SaveAsync("extraction", cancellationToken);
            try
            {
                await EnqueueExtractionAsync(command, id, endedAt, cancellationToken);
            }
            catch (Microsoft.Data.Sqlite.SqliteException)
            {
                await transaction.RollbackAsync("extraction", cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return closed;
    }

    /// <summary>
    /// At start: closed conversations that never had an extraction job (the jobs table refused it
    /// at their close, or they were closed before this version extracted memories) get one.
    /// Returns how many.
    /// </summary>
    public async Task<int> QueueMissingExtractionsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO jobs (kind, payload, state, attempts, max_attempts, next_run_at, created_at, updated_at)
            SELECT $kind, json_object('conversation_id', c.id), 'pending', 0, 5, $now, $now, $now FROM conversations c
            WHERE c.state = 'closed' AND c.id NOT IN (
                SELECT CASE WHEN json_valid(payload) THEN json_extract(payload, '$.conversation_id') END FROM jobs
                WHERE kind = $kind AND json_valid(payload) AND json_extract(payload, '$.conversation_id') IS NOT NULL)
            ORDER BY c.started_at;
            """;
        command.Parameters.AddWithValue("$kind", ExtractJobKind);
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Queues (another) extraction of a conversation, due now; it runs once its transcription jobs are done.</summary>
    public async Task EnqueueExtractionAsync(string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        await EnqueueExtractionAsync(command, id, now, cancellationToken);
    }

    private static async Task EnqueueExtractionAsync(Microsoft.Data.Sqlite.SqliteCommand command, string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        command.Parameters.Clear();
        // One waiting extraction per conversation is enough: a second close or reprocess while one waits adds nothing.
        command.CommandText = """
            INSERT INTO jobs (kind, payload, state, attempts, max_attempts, next_run_at, created_at, updated_at)
            SELECT $kind, json_object('conversation_id', $id), 'pending', 0, 5, $now, $now, $now
            WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE kind = $kind AND state = 'pending'
                AND (CASE WHEN json_valid(payload) THEN json_extract(payload, '$.conversation_id') END) = $id);
            """;
        command.Parameters.AddWithValue("$kind", ExtractJobKind);
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private const string Columns = "id, user_id, client_id, started_at, ended_at, audio_path, sample_rate, sample_count, state, title, summary";

    public async Task<ConversationRow?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM conversations WHERE id = $id;";
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>The newest conversations of one user, or of everyone (<paramref name="userId"/> null).</summary>
    public async Task<IReadOnlyList<ConversationRow>> ListAsync(string? userId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM conversations WHERE $user IS NULL OR user_id = $user ORDER BY started_at DESC, rowid DESC LIMIT $limit;";
        command.Parameters.AddWithValue("$user", (object?)userId ?? DBNull.Value);
        command.Parameters.AddWithValue("$limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<ConversationRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(Read(reader));
        }

        return rows;
    }

    private static ConversationRow Read(Microsoft.Data.Sqlite.SqliteDataReader reader) =>
        new(
            reader.GetString(0),
            reader.GetString(1),
            reader.GetString(2),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
            reader.IsDBNull(4) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
            reader.IsDBNull(5) ? null : reader.GetString(5),
            reader.GetInt32(6),
            reader.GetInt64(7),
            reader.GetString(8))
        {
            Title = reader.IsDBNull(9) ? null : reader.GetString(9),
            Summary = reader.IsDBNull(10) ? null : reader.GetString(10),
        };

    /// <summary>Conversations left open by a previous run that did not stop cleanly (a crash or kill -9).</summary>
    public async Task<IReadOnlyList<ConversationRow>> ListOpenAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM conversations WHERE state = 'open' ORDER BY started_at;";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<ConversationRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(Read(reader));
        }

        return rows;
    }

    /// <summary>Records that a user's device connected (first and last seen).</summary>
    public async Task TouchClientAsync(string userId, string clientId, string? deviceName, DateTimeOffset seen, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO clients (user_id, client_id, device_name, first_seen, last_seen) VALUES ($user, $client, $device, $seen, $seen)
            ON CONFLICT (user_id, client_id) DO UPDATE SET last_seen = excluded.last_seen, device_name = coalesce(excluded.device_name, device_name);
            """;
        command.Parameters.AddWithValue("$user", userId);
        command.Parameters.AddWithValue("$client", clientId);
        command.Parameters.AddWithValue("$device", (object?)deviceName ?? DBNull.Value);
        command.Parameters.AddWithValue("$seen", seen.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The audio file of a new conversation: <c>audio/yyyy/mm/dd/&lt;id&gt;.wav</c> under the data directory.</summary>
    public static string AudioPath(string dataDirectory, string conversationId, DateTimeOffset startedAt) =>
        Path.Combine(dataDirectory, "audio",
            startedAt.UtcDateTime.ToString("yyyy", CultureInfo.InvariantCulture),
            startedAt.UtcDateTime.ToString("MM", CultureInfo.InvariantCulture),
            startedAt.UtcDateTime.ToString("dd", CultureInfo.InvariantCulture),
            conversationId + ".wav");
}
