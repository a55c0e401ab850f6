using System.Net;
using System.Text.Json;
using static FriendLite.Edge.Tests.Support.DeviceSupport;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Tests.Http;

/// <summary>Conversations read back the way Friend-Lite's clients read them, per user.</summary>
public sealed class ConversationApiTests
{
    [Fact]
    public async Task Conversations_AreListedByClientInFriendLitesShape_AndAudioIsServedToTheOwnerOnly()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        var (_, bobToken) = await server.CreateUserAsync("bob@example.com");
        var (_, adminToken) = await server.CreateUserAsync("root@example.com", admin: true);
        var (_, jfk) = WavFile.Read(Fixtures.Path("jfk.wav"));
        await using (var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", annToken, "pendant"))
        {
            await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
            await device.SendPcmAsync(jfk, AudioFormat.Speech);
            await device.CloseAsync();
        }

        var stored = Assert.Single(await ClosedConversationsAsync(server, ann.Id, 1));
        using var annClient = server.ClientWithToken(annToken);
        using var bobClient = server.ClientWithToken(bobToken);
        using var adminClient = server.ClientWithToken(adminToken);

        using var list = JsonDocument.Parse(await annClient.GetStringAsync("/api/conversations"));
        using var bobList = JsonDocument.Parse(await bobClient.GetStringAsync("/api/conversations"));
        using var adminList = JsonDocument.Parse(await adminClient.GetStringAsync("/api/conversations?limit=10"));
        using var bobOne = await bobClient.GetAsync($"/api/conversations/{stored.Id}");
        using var bobAudio = await bobClient.GetAsync($"/audio/{stored.Id}.wav");
        using var anonymousAudio = await server.Client.GetAsync($"/audio/{stored.Id}.wav");
        var audio = await annClient.GetByteArrayAsync($"/audio/{stored.Id}.wav");
        using var badLimit = await annClient.GetAsync("/api/conversations?limit=0");

        var clientId = $"{ann.Id[^6..]}-pendant";
        var conversation = list.RootElement.GetProperty("conversations").GetProperty(clientId)[0];
        Assert.Equal(stored.Id, conversation.GetProperty("audio_uuid").GetString());
        Assert.Equal($"{stored.Id}.wav", conversation.GetProperty("audio_path").GetString());
        Assert.Equal(stored.StartedAt.ToUnixTimeSeconds(), conversation.GetProperty("timestamp").GetInt64());
        Assert.Equal(JsonValueKind.Array, conversation.GetProperty("transcript").ValueKind);
        Assert.False(conversation.GetProperty("has_memory").GetBoolean());
        Assert.Equal(11.0, conversation.GetProperty("duration_seconds").GetDouble(), 3);
        Assert.Equal("closed", conversation.GetProperty("state").GetString());
        Assert.Empty(bobList.RootElement.GetProperty("conversations").EnumerateObject());
        Assert.True(adminList.RootElement.GetProperty("conversations").TryGetProperty(clientId, out _));
        Assert.Equal(HttpStatusCode.NotFound, bobOne.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, bobAudio.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousAudio.StatusCode);
        Assert.Equal(await File.ReadAllBytesAsync(stored.AudioPath!), audio);
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
    }
}
