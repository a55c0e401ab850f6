using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Http;

/// <summary>
/// Action items in the shapes of Friend-Lite's first version: list (<c>?status=open|completed</c>),
/// create, read, change (PUT and PATCH both change only the fields sent), delete. Each user sees
/// their own; an administrator may name another user's list with <c>?user_id=</c> and open any
/// item. Another user's item answers exactly like a missing one.
/// </summary>
internal sealed class ActionItemEndpoints(ActionItemStore actionItems)
{
    public Router Map(Router router)
    {
        router.MapGet("/api/action-items", ListAsync);
        router.MapPost("/api/action-items", CreateAsync);
        router.MapGet("/api/action-items/{id}", GetAsync);
        router.Map("PUT", "/api/action-items/{id}", UpdateAsync);
        router.Map("PATCH", "/api/action-items/{id}", UpdateAsync);
        router.MapDelete("/api/action-items/{id}", DeleteAsync);
        return router;
    }

    private async Task ListAsync(RequestContext context)
    {
        var status = context.Request.QueryString["status"] is { Length: > 0 } text ? text.Trim().ToLowerInvariant() : null;
        if (status is not (null or "open" or "completed"))
        {
            throw new HttpError(422, $"status must be open or completed (or left out for both), not '{context.Request.QueryString["status"]}'.");
        }

        var limit = QueryParameters.Int(context, "limit", 50, 1, 1000);
        var target = QueryParameters.TargetUser(context);
        var rows = await actionItems.ListAsync(target, status, limit, context.CancellationToken);
        var body = new ActionItemsResponse([.. rows.Select(MemoryViews.ActionItem)], rows.Count, target, status);
        await context.WriteJsonAsync(200, body, MemoryJsonContext.Default.ActionItemsResponse);
    }

    private async Task CreateAsync(RequestContext context)
    {
        var request = await RequestBody.ReadJsonAsync(context, MemoryJsonContext.Default.ActionItemRequest);
        var row = await actionItems.AddAsync(context.CurrentUser.Id, conversationId: null, ActionItemInput.ForCreate(request), context.CancellationToken);
        await context.WriteJsonAsync(201, new ActionItemCreatedResponse("Action item created successfully", MemoryViews.ActionItem(row)),
            MemoryJsonContext.Default.ActionItemCreatedResponse);
    }

    private async Task GetAsync(RequestContext context)
    {
        var row = await FindVisibleAsync(context);
        await context.WriteJsonAsync(200, MemoryViews.ActionItem(row), MemoryJsonContext.Default.ActionItemResponse);
    }

    private async Task UpdateAsync(RequestContext context)
    {
        var request = await RequestBody.ReadJsonAsync(context, MemoryJsonContext.Default.ActionItemRequest);
        var row = await FindVisibleAsync(context);
        var updated = await actionItems.UpdateAsync(ActionItemInput.Apply(row, request), context.CancellationToken) ?? throw NotFound();
        var body = new ActionItemUpdatedResponse($"Action item {updated.Id} updated; its status is {updated.Status}", MemoryViews.Id(updated.Id), updated.Status, MemoryViews.ActionItem(updated));
        await context.WriteJsonAsync(200, body, MemoryJsonContext.Default.ActionItemUpdatedResponse);
    }

    private async Task DeleteAsync(RequestContext context)
    {
        var row = await FindVisibleAsync(context);
        if (!await actionItems.DeleteAsync(row.Id, context.CancellationToken))
        {
            throw NotFound(); // deleted meanwhile
        }

        await context.WriteJsonAsync(200, new ActionItemDeletedResponse("Action item deleted successfully", MemoryViews.Id(row.Id)), MemoryJsonContext.Default.ActionItemDeletedResponse);
    }

    /// <summary>The item the path names (<c>7</c>, or the search id <c>action-7</c>), if the signed-in user may see it.</summary>
    private async Task<ActionItemRow> FindVisibleAsync(RequestContext context)
    {
        var id = context.Route("id");
        id = id.StartsWith(MemoryViews.ActionItemPrefix, StringComparison.Ordinal) ? id[MemoryViews.ActionItemPrefix.Length..] : id;
        var row = QueryParameters.RowId(id) is { } number ? await actionItems.FindAsync(number, context.CancellationToken) : null;
        return row is not null && AccessPolicy.CanSee(context.CurrentUser, row.UserId) ? row : throw NotFound();
    }

    private static HttpError NotFound() => new(404, "No such action item.");
}
