using System.Text.Json;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Tests.Sessions;

/// <summary><c>GET /api/clients/active</c> as the web page's live devices table reads it: what each device has sent, its conversation, its tasks.</summary>
public sealed class ActiveClientsApiTests
{
    [Fact]
    public async Task ActiveClients_ShowFramesBytesConversationAndTaskTree_PerUser()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        var (bob, bobToken) = await server.CreateUserAsync("bob@example.com");
        var (_, adminToken) = await server.CreateUserAsync("root@example.com", admin: true);
        await using var mic = await DeviceClient.ConnectAsync(server, "/ws_pcm", annToken, "mic");
        await using var quiet = await DeviceClient.ConnectAsync(server, "/ws_pcm", bobToken, "quiet");
        const int chunks = 25;
        await mic.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
        await mic.SendPcmAsync(Fixtures.Samples("jfk.wav")[..(chunks * 320)], AudioFormat.Speech);
        using var annClient = server.ClientWithToken(annToken);
        using var bobClient = server.ClientWithToken(bobToken);
        using var adminClient = server.ClientWithToken(adminToken);
        var micId = $"{ann.Id[^6..]}-mic";
        var quietId = $"{bob.Id[^6..]}-quiet";

        // The frames are counted as they are accepted; the pipeline opens the conversation just after.
        var annsMic = await ClientAsync(annClient, micId,
            c => c.GetProperty("frames").GetInt64() == chunks && c.GetProperty("current_conversation").ValueKind == JsonValueKind.String);
        // A transcription still waiting for the mic's conversation shows as pending.
        var conversationId = annsMic.GetProperty("current_conversation").GetString()!;
        await server.Server.Jobs.EnqueueAsync(JobStore.TranscribeKind, $"{{\"conversation_id\":\"{conversationId}\"}}", default);
        annsMic = await ClientAsync(annClient, micId, c => c.GetProperty("transcription_pending").GetInt32() == 1);
        var bobsQuiet = await ClientAsync(bobClient, quietId, c => c.GetProperty("tasks").ValueKind == JsonValueKind.Object);
        using var annView = JsonDocument.Parse(await annClient.GetStringAsync("/api/clients/active"));
        using var bobView = JsonDocument.Parse(await bobClient.GetStringAsync("/api/clients/active"));
        using var adminView = JsonDocument.Parse(await adminClient.GetStringAsync("/api/clients/active"));

        Assert.Equal(chunks, annsMic.GetProperty("frames").GetInt64());
        Assert.Equal(chunks * 640, annsMic.GetProperty("bytes").GetInt64());
        Assert.Equal(JsonValueKind.String, annsMic.GetProperty("last_audio_at").ValueKind);
        var started = annsMic.GetProperty("conversation_started_at").GetDateTimeOffset();
        Assert.True(started >= annsMic.GetProperty("connected_at").GetDateTimeOffset(), $"the conversation started at {started}, before the device connected");
        Assert.Equal($"session {micId}", annsMic.GetProperty("tasks").GetProperty("name").GetString());
        Assert.NotEmpty(annsMic.GetProperty("tasks").GetProperty("children").EnumerateArray());

        Assert.Equal(0, bobsQuiet.GetProperty("frames").GetInt64());
        Assert.Equal(JsonValueKind.Null, bobsQuiet.GetProperty("last_audio_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, bobsQuiet.GetProperty("conversation_started_at").ValueKind);
        Assert.Equal(0, bobsQuiet.GetProperty("transcription_pending").GetInt32());
        Assert.Equal($"session {quietId}", bobsQuiet.GetProperty("tasks").GetProperty("name").GetString());

        Assert.Equal([micId], Ids(annView));
        Assert.Equal([quietId], Ids(bobView));
        Assert.Equal(new[] { micId, quietId }.Order(), Ids(adminView).Order());
    }

    /// <summary>Polls the list until the client is there and <paramref name="done"/> holds for it.</summary>
    private static async Task<JsonElement> ClientAsync(HttpClient client, string clientId, Func<JsonElement, bool> done) =>
        await ConversationSeed.UntilAsync(
            async () =>
            {
                using var view = JsonDocument.Parse(await client.GetStringAsync("/api/clients/active"));
                return view.RootElement.GetProperty("clients").EnumerateArray().Where(c => c.GetProperty("client_id").GetString() == clientId)
                    .Select(c => (JsonElement?)c.Clone()).SingleOrDefault();
            },
            c => c is { } found && done(found),
            $"client {clientId} in /api/clients/active") ?? default;

    private static List<string?> Ids(JsonDocument view) =>
        [.. view.RootElement.GetProperty("clients").EnumerateArray().Select(c => c.GetProperty("client_id").GetString())];
}
