using Microsoft.Data.Sqlite;

namespace FriendLite.Edge.Storage;

/// <summary>A stored memory: a short fact, whose it is, where it came from (its conversation and transcript segments) and how it was made.</summary>
internal sealed record MemoryRow(
    long Id, string UserId, string? ConversationId, string Text, string Source, IReadOnlyList<long> Segments, DateTimeOffset CreatedAt, DateTimeOffset? UpdatedAt);

/// <summary>A memory to store: its text and the transcript segments it came from.</summary>
internal sealed record NewMemory(string Text, IReadOnlyList<long> Segments);

/// <summary>
/// Memories: stored, listed, searched (FTS5 bm25 over a stemming index), and replaced as a whole
/// when a conversation is extracted again (<see cref="SaveExtractionAsync"/>). Every read that a
/// user can reach names the user: one user's memories are never another's results.
/// </summary>
internal sealed partial class MemoryStore(Database database, TimeProvider time)
{
    private const string Columns = "m.id, m.user_id, m.conversation_id, m.text, m.source, m.segments, m.created_at, m.updated_at";

    public async Task<MemoryRow> AddAsync(string userId, string? conversationId, string text, string source, IReadOnlyList<long> segments, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var id = await InsertAsync(command, userId, conversationId, new NewMemory(text, segments), source, time.GetUtcNow(), cancellationToken);
        return (await FindAsync(id, cancellationToken))!;
    }

    public async Task<MemoryRow?> FindAsync(long id, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync($"SELECT {Columns} FROM memories m WHERE m.id = $id;", c => c.Parameters.AddWithValue("$id", id), cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>One user's memories (or everyone's: <paramref name="userId"/> null), newest first.</summary>
    public Task<List<MemoryRow>> ListAsync(string? userId, int limit, int offset, CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {Columns} FROM memories m WHERE $user IS NULL OR m.user_id = $user ORDER BY m.created_at DESC, m.id DESC LIMIT $limit OFFSET $offset;", c =>
        {
            c.Parameters.AddWithValue("$user", (object?)userId ?? DBNull.Value);
            c.Parameters.AddWithValue("$limit", limit);
            c.Parameters.AddWithValue("$offset", offset);
        }, cancellationToken);

    public async Task<int> CountAsync(string? userId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM memories WHERE $user IS NULL OR user_id = $user;";
        command.Parameters.AddWithValue("$user", (object?)userId ?? DBNull.Value);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task<List<MemoryRow>> ListByConversationAsync(string conversationId, CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {Columns} FROM memories m WHERE m.conversation_id = $conversation ORDER BY m.id;",
            c => c.Parameters.AddWithValue("$conversation", conversationId), cancellationToken);

    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM memories WHERE id = $id;";
        command.Parameters.AddWithValue("$id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// A user's memories matching any word of <paramref name="query"/>, best first, with a 0..1
    /// score; the words are quoted (<see cref="FullTextQuery"/>). <paramref name="excludeConversation"/>
    /// leaves out a conversation's own memories (consolidation compares against the others).
    /// </summary>
    public async Task<List<(MemoryRow Memory, double Score)>> SearchAsync(string userId, string query, int limit, CancellationToken cancellationToken, string? excludeConversation = null)
    {
        var words = FullTextQuery.Words(query);
        if (words.Count == 0)
        {
            return [];
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // The user's filter inside the full-text query's ranking: bm25 is computed for matches only,
        // and the rank order with LIMIT lets FTS5 stop early.
        command.CommandText = $"""
            SELECT {Columns}, f.rank, highlight(memories_fts, 0, char(1), char(2)) FROM memories_fts f JOIN memories m ON m.id = f.rowid
            WHERE memories_fts MATCH $match AND m.user_id = $user AND ($exclude IS NULL OR m.conversation_id IS NULL OR m.conversation_id <> $exclude)
            ORDER BY f.rank LIMIT $limit;
            """;
        command.Parameters.AddWithValue("$match", FullTextQuery.From(query));
        command.Parameters.AddWithValue("$user", userId);
        command.Parameters.AddWithValue("$exclude", (object?)excludeConversation ?? DBNull.Value);
        command.Parameters.AddWithValue("$limit", limit);
        var results = new List<(MemoryRow, double)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            results.Add((Read(reader), FullTextQuery.Score(reader.GetDouble(8), words.Count, reader.GetString(9))));
        }

        // bm25 picked these; the score (mostly the share of the query's words matched) orders them.
        return [.. results.OrderByDescending(r => r.Item2)];
    }

    private Task<List<MemoryRow>> QueryAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken) =>
        database.QueryAsync(sql, bind, Read, cancellationToken);

    private static async Task<long> InsertAsync(SqliteCommand command, string userId, string? conversationId, NewMemory memory, string source, DateTimeOffset now, CancellationToken cancellationToken)
    {
        command.Parameters.Clear();
        command.CommandText = """
            INSERT INTO memories (user_id, conversation_id, text, source, segments, created_at) VALUES ($user, $conversation, $text, $source, $segments, $now) RETURNING id;
            """;
        command.Parameters.AddWithValue("$user", userId);
        command.Parameters.AddWithValue("$conversation", (object?)conversationId ?? DBNull.Value);
        command.Parameters.AddWithValue("$text", memory.Text);
        command.Parameters.AddWithValue("$source", source);
        command.Parameters.AddWithValue("$segments", SegmentList.Write(memory.Segments));
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static MemoryRow Read(SqliteDataReader reader) => new(
        reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3), reader.GetString(4),
        SegmentList.Read(reader.GetString(5)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
        reader.IsDBNull(7) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)));
}
