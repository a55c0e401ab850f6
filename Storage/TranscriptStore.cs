namespace FriendLite.Edge.Storage;

internal sealed record TranscriptRow(long Id, string ConversationId, double Start, double End, string Text, string? Speaker, string? Engine, string? Model);

/// <summary>Transcript segments of conversations, times in seconds from the conversation's start.</summary>
internal sealed class TranscriptStore(Database database)
{
    /// <summary>
    /// Stores a segment's text. A segment is identified by its conversation and start: storing it again
    /// (a job redone after a crash or a failed bookkeeping step) replaces the row instead of adding one.
    /// </summary>
    public async Task AddAsync(string conversationId, double start, double end, string text, string? speaker, string engine, string model, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO transcript_segments (conversation_id, start_seconds, end_seconds, text, speaker, engine, model, created_at)
            VALUES ($conversation, $start, $end, $text, $speaker, $engine, $model, $now)
            ON CONFLICT (conversation_id, start_seconds) DO UPDATE SET
                end_seconds = excluded.end_seconds, text = excluded.text, speaker = excluded.speaker,
                engine = excluded.engine, model = excluded.model, created_at = excluded.created_at;
            """;
        command.Parameters.AddWithValue("$conversation", conversationId);
        command.Parameters.AddWithValue("$start", start);
        command.Parameters.AddWithValue("$end", Math.Max(start, end));
        command.Parameters.AddWithValue("$text", text);
        command.Parameters.AddWithValue("$speaker", (object?)speaker ?? DBNull.Value);
        command.Parameters.AddWithValue("$engine", engine);
        command.Parameters.AddWithValue("$model", model);
        command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// How far (in samples at 16 kHz) a conversation's speech is transcribed or waiting as a
    /// transcription job: where speech found after a crash must start to be new.
    /// </summary>
    public async Task<long> CoveredUntilAsync(string conversationId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT coalesce(max(covered), 0) FROM (
                SELECT CAST(round(max(end_seconds) * 16000) AS INTEGER) AS covered FROM transcript_segments WHERE conversation_id = $conversation
                UNION ALL
                SELECT max(json_extract(payload, '$.end_sample')) FROM jobs
                WHERE kind = 'transcribe' AND json_valid(payload) AND json_extract(payload, '$.conversation_id') = $conversation);
            """;
        command.Parameters.AddWithValue("$conversation", conversationId);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<IReadOnlyList<TranscriptRow>> ListAsync(string conversationId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, conversation_id, start_seconds, end_seconds, text, speaker, engine, model
            FROM transcript_segments WHERE conversation_id = $conversation ORDER BY start_seconds, id;
            """;
        command.Parameters.AddWithValue("$conversation", conversationId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<TranscriptRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new TranscriptRow(reader.GetInt64(0), reader.GetString(1), reader.GetDouble(2), reader.GetDouble(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        return rows;
    }
}
