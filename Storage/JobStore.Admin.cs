namespace FriendLite.Edge.Storage;

/// <summary>A job as an administrator sees it; <see cref="ConversationId"/> is the payload's <c>conversation_id</c>, when it has one.</summary>
internal sealed record JobInfo(
    long Id, string Kind, string State, int Attempts, int MaxAttempts, string? LastError, string? ConversationId,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset NextRunAt);

/// <summary>What an administrator's retry or cancel did.</summary>
internal enum JobChange
{
    Done,
    NotFound,
    Running,
    Finished,
}

/// <summary>The jobs as an administrator sees and changes them: listed, found, retried, cancelled, and a revoked user's cancelled.</summary>
internal sealed partial class JobStore
{
    /// <summary>How many jobs there are of each kind in each state (for /metrics).</summary>
    public Task<List<(string Kind, string State, long Count)>> CountByKindAndStateAsync(CancellationToken cancellationToken) =>
        database.QueryAsync("SELECT kind, state, count(*) FROM jobs GROUP BY kind, state ORDER BY kind, state;", _ => { },
            reader => (reader.GetString(0), reader.GetString(1), reader.GetInt64(2)), cancellationToken);

    /// <summary>
    /// Transcribe jobs pending or running per conversation, for the given conversations in one query
    /// (the live devices' list); a conversation without any is absent from the answer.
    /// </summary>
    public async Task<Dictionary<string, int>> CountTranscriptionsWaitingAsync(IReadOnlyList<string> conversationIds, CancellationToken cancellationToken)
    {
        if (conversationIds.Count == 0)
        {
            return new Dictionary<string, int>(StringComparer.Ordinal);
        }

        var names = string.Join(", ", conversationIds.Select((_, i) => $"$c{i}"));
        var rows = await database.QueryAsync(
            $"""
            SELECT {ConversationOf("jobs")}, count(*) FROM jobs
            WHERE kind = '{TranscribeKind}' AND state IN ('pending', 'running') AND {ConversationOf("jobs")} IN ({names}) GROUP BY 1;
            """,
            command =>
            {
                for (var i = 0; i < conversationIds.Count; i++)
                {
                    command.Parameters.AddWithValue($"$c{i}", conversationIds[i]);
                }
            },
            reader => (reader.GetString(0), reader.GetInt32(1)), cancellationToken);
        return rows.ToDictionary(r => r.Item1, r => r.Item2, StringComparer.Ordinal);
    }

    /// <summary>Jobs newest first, optionally of one state and kind.</summary>
    public async Task<IReadOnlyList<JobInfo>> ListAsync(string? state, string? kind, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {InfoColumns} FROM jobs
            WHERE ($state IS NULL OR state = $state) AND ($kind IS NULL OR kind = $kind)
            ORDER BY id DESC LIMIT $limit;
            """;
        command.Parameters.AddWithValue("$state", (object?)state ?? DBNull.Value);
        command.Parameters.AddWithValue("$kind", (object?)kind ?? DBNull.Value);
        command.Parameters.AddWithValue("$limit", limit);
        var jobs = new List<JobInfo>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            jobs.Add(ReadInfo(reader));
        }

        return jobs;
    }

    public async Task<JobInfo?> FindAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {InfoColumns} FROM jobs WHERE id = $id;";
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadInfo(reader) : null;
    }

    /// <summary>An administrator's retry: a failed, cancelled or waiting job is due now with all its attempts again.</summary>
    public Task<JobChange> RetryAsync(long id, CancellationToken cancellationToken) =>
        ChangeAsync(id, "UPDATE jobs SET state = 'pending', attempts = 0, next_run_at = $now, updated_at = $now WHERE id = $id AND state IN ('pending', 'failed', 'cancelled');", cancellationToken);

    /// <summary>An administrator's cancel: a waiting or failed job is never run again (until retried).</summary>
    public Task<JobChange> CancelAsync(long id, CancellationToken cancellationToken) =>
        ChangeAsync(id, "UPDATE jobs SET state = 'cancelled', updated_at = $now WHERE id = $id AND state IN ('pending', 'failed');", cancellationToken);

    /// <summary>
    /// A deleted or deactivated user's waiting jobs (pending: not yet claimed) are never run; an
    /// administrator can retry them. Jobs name their conversation only in their payload. Returns how many.
    /// </summary>
    public Task<int> CancelWaitingForUserAsync(string userId, CancellationToken cancellationToken) =>
        ExecuteAsync("""
            UPDATE jobs SET state = 'cancelled', updated_at = $now
            WHERE state = 'pending' AND json_valid(payload)
                AND json_extract(payload, '$.conversation_id') IN (SELECT id FROM conversations WHERE user_id = $id);
            """, userId, cancellationToken);

    private const string InfoColumns =
        "id, kind, state, attempts, max_attempts, last_error, CASE WHEN json_valid(payload) THEN json_extract(payload, '$.conversation_id') END, created_at, updated_at, next_run_at";

    private static JobInfo ReadInfo(Microsoft.Data.Sqlite.SqliteDataReader reader) => new(
        reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4),
        reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : Convert.ToString(reader.GetValue(6), System.Globalization.CultureInfo.InvariantCulture),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9)));

    private async Task<int> ExecuteAsync(string sql, string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$now", time.GetUtcNow().ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<JobChange> ChangeAsync(long id, string sql, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$now", time.GetUtcNow().ToUnixTimeMilliseconds());
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 1)
        {
            return JobChange.Done;
        }

        return (await FindAsync(id, cancellationToken))?.State switch
        {
            null => JobChange.NotFound,
            "running" => JobChange.Running,
            _ => JobChange.Finished,
        };
    }
}
