using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Http;

/// <summary>Search over memories and action items, memories with their transcripts, and the admin's view of everyone's memories.</summary>
internal sealed partial class MemoryEndpoints
{
    /// <summary>
    /// The user's memories and action items matching the query, merged best first (a memory before
    /// an action item of the same score). The words are quoted before they reach FTS5
    /// (<see cref="FullTextQuery"/>): quotes, <c>AND</c>, <c>*</c> are searched for, never obeyed.
    /// </summary>
    private async Task SearchAsync(RequestContext context)
    {
        var query = context.Request.QueryString["query"];
        if (string.IsNullOrWhiteSpace(query))
        {
            throw new HttpError(422, "query is required: the words to search for, e.g. /api/memories/search?query=oat+milk.");
        }

        var limit = QueryParameters.Int(context, "limit", 20, 1, 100);
        var threshold = QueryParameters.Fraction(context, "score_threshold", 0);
        var target = QueryParameters.TargetUser(context);
        var found = await memories.SearchAsync(target, query, limit, context.CancellationToken);
        var items = await actionItems.SearchAsync(target, query, limit, context.CancellationToken);
        List<MemoryItem> results =
        [
            .. found.Select(m => MemoryViews.Memory(m.Memory, m.Score))
                .Concat(items.Select(i => MemoryViews.ActionItemAsMemory(i.Item, i.Score)))
                .OrderByDescending(r => r.Score) // stable: memories stay ahead of action items at the same score
                .Where(r => r.Score >= threshold)
                .Take(limit),
        ];
        await context.WriteJsonAsync(200, new MemorySearchResponse(query, results, results.Count, target), MemoryJsonContext.Default.MemorySearchResponse);
    }

    /// <summary>Each memory with the transcript of the conversation it came from (null for one a user added).</summary>
    private async Task WithTranscriptsAsync(RequestContext context)
    {
        var limit = QueryParameters.Int(context, "limit", 50, 1, 1000);
        var offset = QueryParameters.Int(context, "offset", 0, 0, int.MaxValue);
        var target = QueryParameters.TargetUser(context);
        var cancellationToken = context.CancellationToken;
        var rows = await memories.ListAsync(target, limit, offset, cancellationToken);
        var total = await memories.CountAsync(target, cancellationToken);
        var email = (await users.FindByIdAsync(target, cancellationToken))?.Email;
        var sources = new Dictionary<string, (ConversationRow? Conversation, string? Transcript)>(StringComparer.Ordinal);
        var list = new List<MemoryWithTranscript>(rows.Count);
        foreach (var row in rows)
        {
            (ConversationRow? Conversation, string? Transcript) source = (null, null);
            if (row.ConversationId is { } id && !sources.TryGetValue(id, out source))
            {
                sources[id] = source = await SourceAsync(id, cancellationToken);
            }

            var item = MemoryViews.Memory(row);
            var transcript = source.Transcript;
            var conversation = source.Conversation is { } c ? new MemoryConversation(c.Id, c.ClientId, c.Title, c.Summary, c.StartedAt, c.EndedAt) : null;
            list.Add(new MemoryWithTranscript(
                item.Id, item.Memory, item.Metadata, item.CreatedAt, null, item.UserId,
                item.Id, item.Memory, row.ConversationId, transcript, conversation?.ClientId, email,
                transcript is { Length: > 0 } ? Math.Round(100.0 * row.Text.Length / transcript.Length, 1) : 0, transcript?.Length ?? 0, row.Text.Length, conversation));
        }

        await context.WriteJsonAsync(200, new MemoriesWithTranscriptsResponse(list, list.Count, total, target), MemoryJsonContext.Default.MemoriesWithTranscriptsResponse);
    }

    /// <summary>A conversation and its transcript as one text (the segments joined by spaces, as Friend-Lite's was).</summary>
    private async Task<(ConversationRow?, string?)> SourceAsync(string conversationId, CancellationToken cancellationToken)
    {
        var conversation = await conversations.FindAsync(conversationId, cancellationToken);
        if (conversation is null)
        {
            return (null, null);
        }

        var segments = await transcripts.ListAsync(conversationId, cancellationToken);
        var text = string.Join(" ", segments.Select(s => s.Text.Trim()).Where(t => t.Length > 0));
        return (conversation, text.Length > 0 ? text : null);
    }

    /// <summary>
    /// Friend-Lite's admin view: the newest memories of every user, flat (each with its owner's
    /// email) and grouped by user id, with counts.
    /// </summary>
    private async Task AdminAsync(RequestContext context)
    {
        var limit = QueryParameters.Int(context, "limit", 200, 1, 1000);
        var rows = await memories.ListAsync(null, limit, 0, context.CancellationToken);
        var emails = (await users.ListAsync(context.CancellationToken)).ToDictionary(u => u.Id, u => u.Email, StringComparer.Ordinal);
        var flat = rows.Select(r => MemoryViews.Memory(r) with { OwnerEmail = emails.GetValueOrDefault(r.UserId) }).ToList();
        var grouped = new Dictionary<string, List<MemoryItem>>(StringComparer.Ordinal);
        foreach (var item in flat)
        {
            if (!grouped.TryGetValue(item.UserId, out var mine))
            {
                grouped[item.UserId] = mine = [];
            }

            mine.Add(item);
        }

        var stats = new AdminMemoryStats(flat.Count, grouped.Count, [.. grouped.Keys.Order(StringComparer.Ordinal)]);
        await context.WriteJsonAsync(200, new AdminMemoriesResponse(flat, grouped, stats, grouped.Count, flat.Count, limit), MemoryJsonContext.Default.AdminMemoriesResponse);
    }
}
