using System.Globalization;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Http;

/// <summary>
/// Conversations as Friend-Lite's clients read them: <c>GET /api/conversations</c> (grouped by
/// client id), <c>GET /api/conversations/{id}</c>, and the audio at <c>GET /audio/{id}.wav</c>, which
/// Friend-Lite served to anyone and this server serves to the owner and admins only.
/// </summary>
internal static class ConversationEndpoints
{
    public static Router MapConversations(this Router router, ConversationStore conversations, TranscriptStore transcripts)
    {
        router.MapGet("/api/conversations", c => ListAsync(c, conversations, transcripts));
        router.MapGet("/api/conversations/{id}", c => GetAsync(c, conversations, transcripts));
        router.MapGet("/audio/{file}", c => AudioAsync(c, conversations));
        return router;
    }

    private static async Task ListAsync(RequestContext context, ConversationStore conversations, TranscriptStore transcripts)
    {
        var limitText = context.Request.QueryString["limit"];
        var limit = 100;
        if (limitText is not null && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
        {
            throw new HttpError(400, "limit must be a whole number from 1 to 1000.");
        }

        var rows = await conversations.ListAsync(AccessPolicy.OwnerFilter(context.CurrentUser), limit, context.CancellationToken);
        var grouped = new Dictionary<string, List<ConversationResponse>>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (!grouped.TryGetValue(row.ClientId, out var list))
            {
                grouped[row.ClientId] = list = [];
            }

            list.Add(await ToResponseAsync(row, transcripts, context.CancellationToken));
        }

        await context.WriteJsonAsync(200, new ConversationsResponse(grouped), HttpJsonContext.Default.ConversationsResponse);
    }

    private static async Task GetAsync(RequestContext context, ConversationStore conversations, TranscriptStore transcripts)
    {
        var row = await FindVisibleAsync(context, conversations, context.Route("id"));
        await context.WriteJsonAsync(200, await ToResponseAsync(row, transcripts, context.CancellationToken), HttpJsonContext.Default.ConversationResponse);
    }

    private static async Task AudioAsync(RequestContext context, ConversationStore conversations)
    {
        var file = context.Route("file");
        var row = await FindVisibleAsync(context, conversations, file.EndsWith(".wav", StringComparison.Ordinal) ? file[..^4] : file);
        if (row.AudioPath is null || !File.Exists(row.AudioPath))
        {
            throw new HttpError(404, "This conversation has no audio file.");
        }

        await using var audio = new FileStream(row.AudioPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024, useAsync: true);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "audio/wav";
        context.Response.ContentLength64 = audio.Length;
        context.Response.AddHeader("Content-Disposition", $"inline; filename=\"{row.Id}.wav\"");
        if (context.Request.HttpMethod != "HEAD")
        {
            await audio.CopyToAsync(context.Response.OutputStream, context.CancellationToken);
        }
    }

    /// <summary>Another user's conversation answers exactly like a missing one.</summary>
    private static async Task<ConversationRow> FindVisibleAsync(RequestContext context, ConversationStore conversations, string id)
    {
        var row = await conversations.FindAsync(id, context.CancellationToken);
        return row is not null && AccessPolicy.CanSee(context.CurrentUser, row.UserId) ? row : throw new HttpError(404, "No such conversation.");
    }

    private static async Task<ConversationResponse> ToResponseAsync(ConversationRow row, TranscriptStore transcripts, CancellationToken cancellationToken)
    {
        var transcript = await transcripts.ListAsync(row.Id, cancellationToken);
        return new ConversationResponse(
            row.Id,
            row.Id + ".wav",
            row.StartedAt.ToUnixTimeSeconds(),
            [.. transcript.Select(t => new TranscriptItem(t.Speaker, t.Text, Math.Round(t.Start, 3), Math.Round(t.End, 3)))],
            [],
            false,
            row.ClientId,
            row.StartedAt,
            row.EndedAt,
            Math.Round((double)row.SampleCount / row.SampleRate, 3),
            row.State);
    }
}
