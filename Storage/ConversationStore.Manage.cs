using System.Globalization;
using Microsoft.Data.Sqlite;

namespace FriendLite.Edge.Storage;

/// <summary>What deleting a conversation found: gone now (with what went with it), not there, or still being recorded.</summary>
internal enum DeletionOutcome
{
    Deleted,
    NotFound,
    Open,
}

/// <summary>The rows a deletion removed, and the audio file the caller removes once the rows are gone.</summary>
internal sealed record ConversationDeletion(DeletionOutcome Outcome, string? AudioPath = null, int TranscriptSegments = 0, int Memories = 0, int ActionItems = 0, int Jobs = 0);

/// <summary>What replacing a conversation's transcription found: done (with the new job ids), not there, still recorded, or being transcribed right now.</summary>
internal enum RetranscriptionOutcome
{
    Queued,
    NotFound,
    Open,
    Transcribing,
}

internal sealed record Retranscription(RetranscriptionOutcome Outcome, IReadOnlyList<long> JobIds, int TranscriptSegmentsRemoved = 0, int JobsRemoved = 0);

/// <summary>
/// A conversation as the flat list shows it, with how much it holds; <see cref="FirstWords"/> is the text of its first
/// <see cref="ConversationStore.FirstWordsSegments"/> segments joined with spaces (at most
/// <see cref="ConversationStore.FirstWordsChars"/> characters), null without a transcript.
/// </summary>
internal sealed record ConversationSummary(ConversationRow Row, int TranscriptSegments, int Memories, int ActionItems, string? FirstWords = null);

/// <summary>Deleting a conversation with everything made from it, redoing its transcription, and the flat, paged list.</summary>
internal sealed partial class ConversationStore
{
    /// <summary>
    /// Deletes a conversation that is not being recorded, in one transaction: its transcript, its
    /// memories and action items, every job naming it (a running one finishes against nothing) and
    /// the row. The WAV stays for the caller to remove after this returns, so a failed commit never
    /// leaves rows whose audio is gone.
    /// </summary>
    public async Task<ConversationDeletion> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        // BEGIN IMMEDIATE: the state read below cannot change before the deletes.
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.Parameters.AddWithValue("$id", id);
        var (state, audioPath) = await ReadStateAsync(command, cancellationToken);
        if (state is null)
        {
            return new ConversationDeletion(DeletionOutcome.NotFound);
        }

        if (state == "open")
        {
            return new ConversationDeletion(DeletionOutcome.Open);
        }

        var segments = await ExecuteAsync(command, "DELETE FROM transcript_segments WHERE conversation_id = $id;", cancellationToken);
        var memories = await ExecuteAsync(command, "DELETE FROM memories WHERE conversation_id = $id;", cancellationToken);
        var items = await ExecuteAsync(command, "DELETE FROM action_items WHERE conversation_id = $id;", cancellationToken);
        var jobs = await ExecuteAsync(command, $"DELETE FROM jobs WHERE {JobStore.ConversationOf("jobs")} = $id;", cancellationToken);
        await ExecuteAsync(command, "DELETE FROM conversations WHERE id = $id;", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new ConversationDeletion(DeletionOutcome.Deleted, audioPath, segments, memories, items, jobs);
    }

    /// <summary>
    /// Replaces a closed conversation's transcription, in one transaction: its transcript rows and
    /// its transcription jobs that are not running go, <paramref name="payloads"/> become new jobs
    /// of <paramref name="jobKind"/>, and (<paramref name="extract"/>) an extraction is queued,
    /// which waits for them. Refused while one of its transcription jobs runs: its row would land
    /// beside the new ones.
    /// </summary>
    public async Task<Retranscription> ReplaceTranscriptionAsync(string id, string jobKind, IReadOnlyList<string> payloads, bool extract, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$kind", jobKind);
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        var (state, _) = await ReadStateAsync(command, cancellationToken);
        if (state is null || state == "open")
        {
            return new Retranscription(state is null ? RetranscriptionOutcome.NotFound : RetranscriptionOutcome.Open, []);
        }

        command.CommandText = $"SELECT count(*) FROM jobs WHERE kind = $kind AND state = 'running' AND {JobStore.ConversationOf("jobs")} = $id;";
        if (Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) > 0)
        {
            return new Retranscription(RetranscriptionOutcome.Transcribing, []);
        }

        var segments = await ExecuteAsync(command, "DELETE FROM transcript_segments WHERE conversation_id = $id;", cancellationToken);
        var removed = await ExecuteAsync(command, $"DELETE FROM jobs WHERE kind = $kind AND state <> 'running' AND {JobStore.ConversationOf("jobs")} = $id;", cancellationToken);
        var ids = new List<long>();
        command.CommandText = """
            INSERT INTO jobs (kind, payload, state, attempts, max_attempts, next_run_at, created_at, updated_at)
            VALUES ($kind, $payload, 'pending', 0, 5, $now, $now, $now) RETURNING id;
            """;
        var payload = command.Parameters.Add("$payload", SqliteType.Text);
        foreach (var text in payloads)
        {
            payload.Value = text;
            ids.Add((long)(await command.ExecuteScalarAsync(cancellationToken))!);
        }

        if (extract)
        {
            await EnqueueExtractionAsync(command, id, now, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new Retranscription(RetranscriptionOutcome.Queued, ids, segments, removed);
    }

    /// <summary>
    /// One page of the newest conversations of a user (or everyone's: null), with counts. With
    /// <paramref name="beforeId"/>, only those older than that conversation (a cursor that stays put
    /// while new conversations arrive); null when that conversation is not among the visible ones.
    /// </summary>
    public async Task<IReadOnlyList<ConversationSummary>?> ListPageAsync(string? userId, int limit, int offset, string? beforeId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Parameters.AddWithValue("$user", (object?)userId ?? DBNull.Value);
        command.Parameters.AddWithValue("$before", (object?)beforeId ?? DBNull.Value);
        command.Parameters.AddWithValue("$limit", limit);
        command.Parameters.AddWithValue("$offset", offset);
        if (beforeId is not null)
        {
            command.CommandText = "SELECT count(*) FROM conversations WHERE id = $before AND ($user IS NULL OR user_id = $user);";
            if (Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) == 0)
            {
                return null;
            }
        }

        command.CommandText = $"""
            SELECT {Columns},
                (SELECT count(*) FROM transcript_segments t WHERE t.conversation_id = c.id),
                (SELECT count(*) FROM memories m WHERE m.conversation_id = c.id),
                (SELECT count(*) FROM action_items a WHERE a.conversation_id = c.id),
                (SELECT substr(group_concat(f.text, ' '), 1, {FirstWordsChars}) FROM
                    (SELECT t.text FROM transcript_segments t WHERE t.conversation_id = c.id ORDER BY t.start_seconds, t.id LIMIT {FirstWordsSegments}) f)
            FROM conversations c
            WHERE ($user IS NULL OR c.user_id = $user)
                AND ($before IS NULL OR (c.started_at, c.rowid) < (SELECT b.started_at, b.rowid FROM conversations b WHERE b.id = $before))
            ORDER BY c.started_at DESC, c.rowid DESC LIMIT $limit OFFSET $offset;
            """;
        var rows = new List<ConversationSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new ConversationSummary(Read(reader), reader.GetInt32(11), reader.GetInt32(12), reader.GetInt32(13), reader.IsDBNull(14) ? null : reader.GetString(14)));
        }

        return rows;
    }

    /// <summary>How many segments, and characters of them, the flat list reads for a conversation's first words.</summary>
    public const int FirstWordsSegments = 40, FirstWordsChars = 600;

    /// <summary>How many conversations a user (or everyone: null) has.</summary>
    public async Task<int> CountAsync(string? userId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM conversations WHERE $user IS NULL OR user_id = $user;";
        command.Parameters.AddWithValue("$user", (object?)userId ?? DBNull.Value);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    private static async Task<(string? State, string? AudioPath)> ReadStateAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        command.CommandText = "SELECT state, audio_path FROM conversations WHERE id = $id;";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)) : (null, null);
    }

    private static async Task<int> ExecuteAsync(SqliteCommand command, string sql, CancellationToken cancellationToken)
    {
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
