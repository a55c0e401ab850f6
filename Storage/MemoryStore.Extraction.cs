namespace FriendLite.Edge.Storage;

/// <summary>What one extraction changes, written at once: the conversation's own memories and action items, consolidation's changes to older memories, its title and summary.</summary>
internal sealed record ExtractionWrite(
    string ConversationId,
    string UserId,
    string? Title,
    string? Summary,
    IReadOnlyList<NewMemory> Added,
    IReadOnlyList<(long Id, string Text)> Updated,
    IReadOnlyList<long> Deleted,
    IReadOnlyList<NewActionItem> ActionItems,
    string Source);

internal sealed partial class MemoryStore
{
    /// <summary>
    /// Stores an extraction in one transaction, so a crash leaves either all of it or none (and the
    /// job, still running, is run again). What an earlier extraction of the same conversation made
    /// (by the LLM or the local extractor) is replaced, so running it again never duplicates;
    /// memories and action items a user added stay. Changes to older memories touch only this user's.
    /// </summary>
    public async Task SaveExtractionAsync(ExtractionWrite write, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = (Microsoft.Data.Sqlite.SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        var now = time.GetUtcNow();

        command.CommandText = """
            DELETE FROM memories WHERE conversation_id = $conversation AND source IN ('llm', 'local');
            DELETE FROM action_items WHERE conversation_id = $conversation AND source IN ('llm', 'local');
            UPDATE conversations SET title = $title, summary = $summary WHERE id = $conversation;
            """;
        command.Parameters.AddWithValue("$conversation", write.ConversationId);
        command.Parameters.AddWithValue("$title", (object?)write.Title ?? DBNull.Value);
        command.Parameters.AddWithValue("$summary", (object?)write.Summary ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken);

        foreach (var (id, text) in write.Updated)
        {
            command.Parameters.Clear();
            command.CommandText = "UPDATE memories SET text = $text, updated_at = $now WHERE id = $id AND user_id = $user;";
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$text", text);
            command.Parameters.AddWithValue("$user", write.UserId);
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var id in write.Deleted)
        {
            command.Parameters.Clear();
            command.CommandText = "DELETE FROM memories WHERE id = $id AND user_id = $user;";
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$user", write.UserId);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var memory in write.Added)
        {
            await InsertAsync(command, write.UserId, write.ConversationId, memory, write.Source, now, cancellationToken);
        }

        foreach (var item in write.ActionItems)
        {
            await ActionItemStore.InsertAsync(command, write.UserId, write.ConversationId, item, now, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
