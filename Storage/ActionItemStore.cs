using Microsoft.Data.Sqlite;

namespace FriendLite.Edge.Storage;

/// <summary>A stored action item. <see cref="DueAt"/> keeps the offset it was said in; <see cref="Status"/> is <c>open</c> or <c>completed</c>.</summary>
internal sealed record ActionItemRow(
    long Id, string UserId, string? ConversationId, string Description, string? Assignee, DateTimeOffset? DueAt, string? Priority, string? Context,
    string Status, string Source, IReadOnlyList<long> Segments, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? CompletedAt);

/// <summary>An action item to store.</summary>
internal sealed record NewActionItem(string Description, DateTimeOffset? DueAt, string? Assignee, string? Priority, string? Context, string Source, IReadOnlyList<long> Segments)
{
    public string Status { get; init; } = "open";
}

/// <summary>Action items: stored by extraction or by a user, listed by status, changed, completed, searched.</summary>
internal sealed class ActionItemStore(Database database, TimeProvider time)
{
    private const string Columns =
        "a.id, a.user_id, a.conversation_id, a.description, a.assignee, a.due_at, a.due_offset_minutes, a.priority, a.context, a.status, a.source, a.segments, a.created_at, a.updated_at, a.completed_at";

    public async Task<ActionItemRow> AddAsync(string userId, string? conversationId, NewActionItem item, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var id = await InsertAsync(command, userId, conversationId, item, time.GetUtcNow(), cancellationToken);
        return (await FindAsync(id, cancellationToken))!;
    }

    public async Task<ActionItemRow?> FindAsync(long id, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync($"SELECT {Columns} FROM action_items a WHERE a.id = $id;", c => c.Parameters.AddWithValue("$id", id), cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>One user's action items (or everyone's), optionally of one status: open ones by due date (undated last), then the newest.</summary>
    public Task<List<ActionItemRow>> ListAsync(string? userId, string? status, int limit, CancellationToken cancellationToken) =>
        QueryAsync($"""
            SELECT {Columns} FROM action_items a WHERE ($user IS NULL OR a.user_id = $user) AND ($status IS NULL OR a.status = $status)
            ORDER BY a.status = 'completed', a.due_at IS NULL, a.due_at, a.created_at DESC, a.id DESC LIMIT $limit;
            """, c =>
        {
            c.Parameters.AddWithValue("$user", (object?)userId ?? DBNull.Value);
            c.Parameters.AddWithValue("$status", (object?)status ?? DBNull.Value);
            c.Parameters.AddWithValue("$limit", limit);
        }, cancellationToken);

    public Task<List<ActionItemRow>> ListByConversationAsync(string conversationId, CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {Columns} FROM action_items a WHERE a.conversation_id = $conversation ORDER BY a.id;",
            c => c.Parameters.AddWithValue("$conversation", conversationId), cancellationToken);

    /// <summary>
    /// Writes an item's changeable fields as given (the caller read it, applied a request's changes);
    /// completing stamps <c>completed_at</c>, reopening clears it. Returns the stored row, or null when it is gone.
    /// </summary>
    public async Task<ActionItemRow?> UpdateAsync(ActionItemRow item, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE action_items SET description = $description, assignee = $assignee, due_at = $due, due_offset_minutes = $offset,
                priority = $priority, context = $context, updated_at = $now,
                completed_at = CASE WHEN $status = 'completed' THEN coalesce(completed_at, $now) END, status = $status
            WHERE id = $id;
            """;
        command.Parameters.AddWithValue("$id", item.Id);
        command.Parameters.AddWithValue("$description", item.Description);
        command.Parameters.AddWithValue("$assignee", (object?)item.Assignee ?? DBNull.Value);
        BindDue(command, item.DueAt);
        command.Parameters.AddWithValue("$priority", (object?)item.Priority ?? DBNull.Value);
        command.Parameters.AddWithValue("$context", (object?)item.Context ?? DBNull.Value);
        command.Parameters.AddWithValue("$status", item.Status);
        command.Parameters.AddWithValue("$now", time.GetUtcNow().ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1 ? await FindAsync(item.Id, cancellationToken) : null;
    }

    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM action_items WHERE id = $id;";
        command.Parameters.AddWithValue("$id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>A user's action items matching any word of <paramref name="query"/> (description weighs more than context), best first, with a 0..1 score.</summary>
    public async Task<List<(ActionItemRow Item, double Score)>> SearchAsync(string userId, string query, int limit, CancellationToken cancellationToken)
    {
        var words = FullTextQuery.Words(query);
        if (words.Count == 0)
        {
            return [];
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {Columns}, bm25(action_items_fts, 1.0, 0.3) AS score,
                highlight(action_items_fts, 0, char(1), char(2)), coalesce(highlight(action_items_fts, 1, char(1), char(2)), '') FROM action_items_fts f JOIN action_items a ON a.id = f.rowid
            WHERE action_items_fts MATCH $match AND a.user_id = $user ORDER BY score LIMIT $limit;
            """;
        command.Parameters.AddWithValue("$match", FullTextQuery.From(query));
        command.Parameters.AddWithValue("$user", userId);
        command.Parameters.AddWithValue("$limit", limit);
        var results = new List<(ActionItemRow, double)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            results.Add((Read(reader), FullTextQuery.Score(reader.GetDouble(15), words.Count, reader.GetString(16), reader.GetString(17))));
        }

        return [.. results.OrderByDescending(r => r.Item2)];
    }

    internal static async Task<long> InsertAsync(SqliteCommand command, string userId, string? conversationId, NewActionItem item, DateTimeOffset now, CancellationToken cancellationToken)
    {
        command.Parameters.Clear();
        command.CommandText = """
            INSERT INTO action_items (user_id, conversation_id, description, assignee, due_at, due_offset_minutes, priority, context, status, source, segments, created_at, updated_at, completed_at)
            VALUES ($user, $conversation, $description, $assignee, $due, $offset, $priority, $context, $status, $source, $segments, $now, $now,
                CASE WHEN $status = 'completed' THEN $now END)
            RETURNING id;
            """;
        command.Parameters.AddWithValue("$user", userId);
        command.Parameters.AddWithValue("$conversation", (object?)conversationId ?? DBNull.Value);
        command.Parameters.AddWithValue("$description", item.Description);
        command.Parameters.AddWithValue("$assignee", (object?)item.Assignee ?? DBNull.Value);
        BindDue(command, item.DueAt);
        command.Parameters.AddWithValue("$priority", (object?)item.Priority ?? DBNull.Value);
        command.Parameters.AddWithValue("$context", (object?)item.Context ?? DBNull.Value);
        command.Parameters.AddWithValue("$status", item.Status);
        command.Parameters.AddWithValue("$source", item.Source);
        command.Parameters.AddWithValue("$segments", SegmentList.Write(item.Segments));
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static void BindDue(SqliteCommand command, DateTimeOffset? due)
    {
        command.Parameters.AddWithValue("$due", due is { } d ? d.ToUnixTimeMilliseconds() : DBNull.Value);
        command.Parameters.AddWithValue("$offset", due is { } o ? (int)o.Offset.TotalMinutes : DBNull.Value);
    }

    private Task<List<ActionItemRow>> QueryAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken) =>
        database.QueryAsync(sql, bind, Read, cancellationToken);

    private static ActionItemRow Read(SqliteDataReader reader) => new(
        reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)).ToOffset(TimeSpan.FromMinutes(reader.IsDBNull(6) ? 0 : reader.GetInt32(6))),
        reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8), reader.GetString(9), reader.GetString(10),
        SegmentList.Read(reader.GetString(11)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(12)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(13)),
        reader.IsDBNull(14) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(14)));
}
