using System.Text.Json;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Tests.Support;

/// <summary>Memories, action items and conversations put straight into a test server's database, and JSON read back from its API.</summary>
internal sealed class MemorySeed(TestServer server)
{
    public MemoryStore Memories { get; } = new(server.Server.Database, TimeProvider.System);

    public ActionItemStore ActionItems { get; } = new(server.Server.Database, TimeProvider.System);

    public Task<MemoryRow> MemoryAsync(string userId, string text, string source = "local") =>
        Memories.AddAsync(userId, conversationId: null, text, source, [], default);

    public Task<ActionItemRow> ActionItemAsync(string userId, string description, DateTimeOffset? due = null, string status = "open") =>
        ActionItems.AddAsync(userId, conversationId: null, new NewActionItem(description, due, null, null, null, "local", []) { Status = status }, default);

    /// <summary>A closed conversation with the given transcript segments (one second each); returns its id and the segments' row ids.</summary>
    public async Task<(string Id, IReadOnlyList<long> Segments)> ConversationAsync(string userId, params string[] lines)
    {
        var id = Guid.NewGuid().ToString("N");
        var started = DateTimeOffset.FromUnixTimeSeconds(1_741_338_000); // 2025-03-07 09:00 UTC
        await new ConversationStore(server.Server.Database).CreateAsync(new ConversationRow(id, userId, "abc123-pendant", started, null, null, 16000, 0, "open"), default);
        var transcripts = new TranscriptStore(server.Server.Database);
        for (var i = 0; i < lines.Length; i++)
        {
            await transcripts.AddAsync(id, i, i + 1, lines[i], "SPEAKER_0", "test", "test", default);
        }

        return (id, [.. (await transcripts.ListAsync(id, default)).Select(s => s.Id)]);
    }

    public static async Task<JsonElement> JsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The status and the body (parsed) of a request whose answer the test checks either way.</summary>
    public static async Task<(int Status, JsonElement Body)> SendAsync(HttpClient client, HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}
