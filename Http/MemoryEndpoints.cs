using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Http;

/// <summary>
/// Memories in Friend-Lite's shapes: list (<c>limit</c>, <c>offset</c>), one, add, delete, search
/// (memories and action items together, best first), with transcripts, and the admin's view of
/// everyone's. Every route shows the signed-in user's own memories; an administrator may name
/// another user with <c>?user_id=</c> or open any memory by id. Another user's memory answers
/// exactly like a missing one.
/// </summary>
internal sealed partial class MemoryEndpoints(MemoryStore memories, ActionItemStore actionItems, ConversationStore conversations, TranscriptStore transcripts, UserStore users)
{
    /// <summary>Memories are short standalone facts; a longer text is a note, not a memory.</summary>
    public const int MaxMemoryLength = 2000;

    public Router Map(Router router)
    {
        // The fixed paths first: the router takes the first template that matches, and {id} matches any word.
        router.MapGet("/api/memories", ListAsync);
        router.MapPost("/api/memories", CreateAsync);
        router.MapGet("/api/memories/search", SearchAsync);
        router.MapGet("/api/memories/with-transcripts", WithTranscriptsAsync);
        router.MapGet("/api/memories/unfiltered", UnfilteredAsync);
        router.MapGet("/api/memories/admin", AdminAsync, Access.Admin);
        router.MapGet("/api/memories/{id}", GetAsync);
        router.MapDelete("/api/memories/{id}", DeleteAsync);
        return router;
    }

    private Task ListAsync(RequestContext context) => WriteListAsync(context, includesFallback: null);

    /// <summary>
    /// Friend-Lite's list before its filter dropped the raw-transcript memories it made when nothing
    /// was extracted. This server never stores those, so nothing is filtered: it is the list itself.
    /// </summary>
    private Task UnfilteredAsync(RequestContext context) => WriteListAsync(context, includesFallback: true);

    private async Task WriteListAsync(RequestContext context, bool? includesFallback)
    {
        var limit = QueryParameters.Int(context, "limit", 50, 1, 1000);
        var offset = QueryParameters.Int(context, "offset", 0, 0, int.MaxValue);
        var target = QueryParameters.TargetUser(context);
        var rows = await memories.ListAsync(target, limit, offset, context.CancellationToken);
        var total = await memories.CountAsync(target, context.CancellationToken);
        var body = new MemoriesResponse([.. rows.Select(r => MemoryViews.Memory(r))], rows.Count, total, target) { IncludesFallback = includesFallback };
        await context.WriteJsonAsync(200, body, MemoryJsonContext.Default.MemoriesResponse);
    }

    private async Task GetAsync(RequestContext context)
    {
        var row = await FindVisibleAsync(context);
        await context.WriteJsonAsync(200, MemoryViews.Memory(row), MemoryJsonContext.Default.MemoryItem);
    }

    private async Task CreateAsync(RequestContext context)
    {
        var request = await RequestBody.ReadJsonAsync(context, MemoryJsonContext.Default.CreateMemoryRequest);
        var text = request.Content?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            throw new HttpError(422, "content is required: send the memory's text as {\"content\": \"...\"}.");
        }

        if (text.Length > MaxMemoryLength)
        {
            throw new HttpError(422, $"content has {text.Length} characters; a memory may have at most {MaxMemoryLength}: keep it to one fact.");
        }

        var row = await memories.AddAsync(context.CurrentUser.Id, conversationId: null, text, "user", [], context.CancellationToken);
        await context.WriteJsonAsync(201, MemoryViews.Memory(row), MemoryJsonContext.Default.MemoryItem);
    }

    private async Task DeleteAsync(RequestContext context)
    {
        var row = await FindVisibleAsync(context);
        if (!await memories.DeleteAsync(row.Id, context.CancellationToken))
        {
            throw new HttpError(404, "No such memory."); // deleted meanwhile
        }

        await context.WriteJsonAsync(200, new MessageResponse($"Memory {row.Id} deleted successfully"), MemoryJsonContext.Default.MessageResponse);
    }

    /// <summary>
    /// The memory the path names, if the signed-in user may see it. An action item's search id
    /// (<c>action-7</c>) gets a 404 that says where it lives, without looking it up, so the answer
    /// is the same whoever owns it.
    /// </summary>
    private async Task<MemoryRow> FindVisibleAsync(RequestContext context)
    {
        var id = context.Route("id");
        if (id.StartsWith(MemoryViews.ActionItemPrefix, StringComparison.Ordinal) && QueryParameters.RowId(id[MemoryViews.ActionItemPrefix.Length..]) is { } item)
        {
            throw new HttpError(404, $"'{id}' is an action item, not a memory: use /api/action-items/{item}.");
        }

        var row = QueryParameters.RowId(id) is { } number ? await memories.FindAsync(number, context.CancellationToken) : null;
        return row is not null && AccessPolicy.CanSee(context.CurrentUser, row.UserId) ? row : throw new HttpError(404, "No such memory.");
    }
}
