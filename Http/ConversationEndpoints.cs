using System.Globalization;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Http;

/// <summary>
/// Conversations as Friend-Lite's clients read them: <c>GET /api/conversations</c> (grouped by
/// client id; <c>?flat=true</c> a flat page for the web page), <c>GET /api/conversations/{id}</c>
/// (with its memories and action items), deleting and reprocessing one
/// (<see cref="DeleteAsync"/>, <see cref="ReprocessAsync"/>), and its audio with HTTP ranges at
/// <c>GET /audio/{id}.wav</c>, which Friend-Lite served to anyone and this server serves to the
/// owner and admins only. Another user's conversation answers exactly like a missing one.
/// </summary>
internal sealed partial class ConversationEndpoints(
    ConversationStore conversations, TranscriptStore transcripts, MemoryStore memories, ActionItemStore actionItems, SpeechJobs speech, AccessPolicy access,
    TimeProvider time, Log log)
{
    public void Map(Router router)
    {
        router.MapGet("/api/conversations", ListAsync);
        router.MapGet("/api/conversations/{id}", GetAsync);
        router.MapDelete("/api/conversations/{id}", DeleteAsync);
        router.MapPost("/api/conversations/{id}/reprocess", ReprocessAsync);
        router.MapGet("/api/conversations/{id}/audio", c => AudioAsync(c, c.Route("id")));
        router.MapGet("/audio/{file}", c => AudioAsync(c, c.Route("file") is var file && file.EndsWith(".wav", StringComparison.Ordinal) ? file[..^4] : file));
    }

    private async Task ListAsync(RequestContext context)
    {
        var limit = QueryNumber(context, "limit", 100, 1, 1000);
        if (Flag(context, "flat"))
        {
            await ListFlatAsync(context, limit);
            return;
        }

        var rows = await conversations.ListAsync(AccessPolicy.OwnerFilter(context.CurrentUser), limit, context.CancellationToken);
        var grouped = new Dictionary<string, List<ConversationResponse>>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (!grouped.TryGetValue(row.ClientId, out var list))
            {
                grouped[row.ClientId] = list = [];
            }

            list.Add(await ToResponseAsync(context, row, detailed: false));
        }

        await context.WriteJsonAsync(200, new ConversationsResponse(grouped), HttpJsonContext.Default.ConversationsResponse);
    }

    /// <summary>Newest first; <c>offset</c> skips, or <c>before</c> (a conversation id) starts after that conversation.</summary>
    private async Task ListFlatAsync(RequestContext context, int limit)
    {
        var offset = QueryNumber(context, "offset", 0, 0, int.MaxValue);
        var before = context.Request.QueryString["before"];
        var owner = AccessPolicy.OwnerFilter(context.CurrentUser);
        var page = await conversations.ListPageAsync(owner, limit, offset, string.IsNullOrEmpty(before) ? null : before, context.CancellationToken)
            ?? throw new HttpError(400, $"before names no conversation of yours ('{before}'): give the conversation_id of the last item of the previous page.");
        var items = page.Select(s => new FlatConversation(
            s.Row.Id, s.Row.StartedAt, s.Row.EndedAt, s.Row.Title, s.Row.Summary, s.Row.ClientId, Duration(s.Row), s.Row.State, AudioUrl(s.Row.Id),
            s.TranscriptSegments, s.Memories, s.ActionItems, Preview(s))).ToList();
        var total = await conversations.CountAsync(owner, context.CancellationToken);
        await context.WriteJsonAsync(200, new FlatConversationsResponse(items, items.Count, total, limit, offset), ConversationJsonContext.Default.FlatConversationsResponse);
    }

    private async Task GetAsync(RequestContext context)
    {
        var row = await FindVisibleAsync(context, context.Route("id"));
        await context.WriteJsonAsync(200, await ToResponseAsync(context, row, detailed: true), HttpJsonContext.Default.ConversationResponse);
    }

    /// <summary>Another user's conversation answers exactly like a missing one.</summary>
    private async Task<ConversationRow> FindVisibleAsync(RequestContext context, string id) =>
        await FindVisibleOrNullAsync(context, id) ?? throw new HttpError(404, "No such conversation.");

    private async Task<ConversationRow?> FindVisibleOrNullAsync(RequestContext context, string id)
    {
        var row = await conversations.FindAsync(id, context.CancellationToken);
        return row is not null && AccessPolicy.CanSee(context.CurrentUser, row.UserId) ? row : null;
    }

    private async Task<ConversationResponse> ToResponseAsync(RequestContext context, ConversationRow row, bool detailed)
    {
        var cancellationToken = context.CancellationToken;
        var transcript = await transcripts.ListAsync(row.Id, cancellationToken);
        var memoryRows = await memories.ListByConversationAsync(row.Id, cancellationToken);
        var items = detailed ? await actionItems.ListByConversationAsync(row.Id, cancellationToken) : null;
        return new ConversationResponse(
            row.Id,
            row.Id + ".wav",
            row.StartedAt.ToUnixTimeSeconds(),
            [.. transcript.Select(t => new TranscriptItem(t.Speaker, t.Text, Math.Round(t.Start, 3), Math.Round(t.End, 3)))],
            [.. memoryRows.Select(m => m.Text)],
            memoryRows.Count > 0,
            row.ClientId,
            row.StartedAt,
            row.EndedAt,
            Duration(row),
            row.State)
        {
            Title = row.Title,
            Summary = row.Summary,
            AudioLink = AudioLink(context, row),
            MemoryItems = detailed ? [.. memoryRows.Select(m => new ConversationMemoryItem(Id(m.Id), m.Text, m.CreatedAt))] : null,
            ActionItems = items?.Select(a => new ConversationActionItem(Id(a.Id), a.Description, a.DueAt, a.Status)).ToList(),
        };
    }

    /// <summary>The first words, at most <see cref="PreviewLength"/> characters, cut at a word boundary with "…" when there is more.</summary>
    internal static string? Preview(ConversationSummary summary)
    {
        var text = summary.FirstWords is null ? "" : string.Join(' ', summary.FirstWords.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (text.Length == 0)
        {
            return null;
        }

        var more = summary.TranscriptSegments > ConversationStore.FirstWordsSegments || summary.FirstWords!.Length >= ConversationStore.FirstWordsChars;
        if (text.Length <= PreviewLength)
        {
            return more ? text + "…" : text;
        }

        var cut = text.LastIndexOf(' ', PreviewLength);
        return (cut > 0 ? text[..cut] : text[..PreviewLength]).TrimEnd(',', ';', ':', '-') + "…";
    }

    private const int PreviewLength = 140;

    private static double Duration(ConversationRow row) => Math.Round((double)row.SampleCount / row.SampleRate, 3);

    private static string AudioUrl(string id) => $"/audio/{id}.wav";

    /// <summary>The audio route with a link token for the caller, good for that path only; null when there is no audio file.</summary>
    private string? AudioLink(RequestContext context, ConversationRow row)
    {
        if (row.AudioPath is null || !File.Exists(row.AudioPath))
        {
            return null;
        }

        var path = $"/api/conversations/{Uri.EscapeDataString(row.Id)}/audio";
        return $"{path}?link={access.IssueLink(context.CurrentUser, path)}";
    }

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    private static int QueryNumber(RequestContext context, string name, int fallback, int min, int max)
    {
        var text = context.Request.QueryString[name];
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new HttpError(400, max == int.MaxValue ? $"{name} must be a whole number from {min}." : $"{name} must be a whole number from {min} to {max}.");
    }

    /// <summary>A boolean query parameter, read as leniently as Friend-Lite's server reads them (<c>true</c>, <c>True</c>, <c>1</c>, <c>yes</c>).</summary>
    private static bool Flag(RequestContext context, string name) => ParseFlag(context.Request.QueryString[name], name) ?? false;

    private static bool? ParseFlag(string? text, string name) => text?.Trim().ToLowerInvariant() switch
    {
        null => null,
        "true" or "1" or "yes" or "on" => true,
        "false" or "0" or "no" or "off" => false,
        _ => throw new HttpError(400, $"{name} must be true or false, not '{text}'."),
    };
}
