using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Http;

/// <summary>
/// The signed audio link of <c>GET /api/conversations/{id}</c>: what a browser's player fetches
/// without an Authorization header. It opens that one audio path, and nothing else.
/// </summary>
public sealed class AudioLinkTests
{
    [Fact]
    public async Task AudioLink_PlaysWithoutAHeader_WholeAndRanged()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        var conversation = await ConversationSeed.ThreeUtterancesAsync(server, ann.Id);
        var file = await File.ReadAllBytesAsync(conversation.AudioPath!);
        using var client = server.ClientWithToken(token);

        var link = await AudioLinkAsync(client, conversation.Id);
        using var whole = await server.Client.GetAsync(link);
        using var ranged = new HttpRequestMessage(HttpMethod.Get, link) { Headers = { Range = new RangeHeaderValue(1000, 1999) } };
        using var part = await server.Client.SendAsync(ranged);
        using var head = await server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, link));

        Assert.StartsWith($"/api/conversations/{conversation.Id}/audio?link=", link, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(file, await whole.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(file[1000..2000], await part.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(file.Length, head.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task AudioLink_OfConversationA_IsRefusedOnConversationBsAudio()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        var a = await ConversationSeed.ThreeUtterancesAsync(server, ann.Id);
        var b = await ConversationSeed.ThreeUtterancesAsync(server, ann.Id);
        using var client = server.ClientWithToken(token);
        var link = await AudioLinkAsync(client, a.Id);

        using var other = await server.Client.GetAsync(link.Replace(a.Id, b.Id, StringComparison.Ordinal));
        using var oldRoute = await server.Client.GetAsync($"/audio/{a.Id}.wav?{link.Split('?')[1]}");
        using var detail = await server.Client.GetAsync($"/api/conversations/{a.Id}?{link.Split('?')[1]}");

        foreach (var refused in new[] { other, oldRoute, detail })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("{\"detail\":\"Not authenticated: this link is for another resource.\"}", await refused.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task AudioLink_IsNoLogin_NotAsBearerNorOnADeviceUpgrade()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        var conversation = await ConversationSeed.ThreeUtterancesAsync(server, ann.Id);
        using var client = server.ClientWithToken(token);
        var linkToken = LinkToken(await AudioLinkAsync(client, conversation.Id));
        using var asBearer = server.ClientWithToken(linkToken);

        using var me = await asBearer.GetAsync("/api/me");
        using var audioAsBearer = await asBearer.GetAsync($"/api/conversations/{conversation.Id}/audio");
        var asToken = await Assert.ThrowsAsync<UpgradeRefused>(() => DeviceClient.ConnectAsync(server, "/ws_pcm", linkToken));
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}/ws_pcm?link={linkToken}"), CancellationToken.None));

        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
        Assert.Contains("a link token for one resource, not a login", await me.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, audioAsBearer.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, asToken.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
        Assert.Equal(0, server.Server.Sessions.Count);
    }

    [Fact]
    public async Task AudioLink_PasswordChange_RevokesIt()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        var conversation = await ConversationSeed.ThreeUtterancesAsync(server, ann.Id);
        using var client = server.ClientWithToken(token);
        var link = await AudioLinkAsync(client, conversation.Id);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync(link)).StatusCode);

        using var changed = await client.PatchAsJsonAsync("/users/me", new { password = "a brand new password" });
        using var after = await server.Client.GetAsync(link);

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains("revoked", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AudioLink_After12Hours_IsAnExpiredLink_AndTheConversationGivesAFreshOne()
    {
        var clock = new ManualTime(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(configure: o => o with { Time = clock });
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        var conversation = await ConversationSeed.ThreeUtterancesAsync(server, ann.Id);
        using var client = server.ClientWithToken(token);
        var link = await AudioLinkAsync(client, conversation.Id);

        clock.Advance(TimeSpan.FromHours(12) + TimeSpan.FromSeconds(1));
        using var expired = await server.Client.GetAsync(link);
        using var fresh = await server.Client.GetAsync(await AudioLinkAsync(client, conversation.Id));

        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Equal("{\"detail\":\"Not authenticated: expired link; fetch the resource again for a fresh one.\"}", await expired.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }

    [Fact]
    public async Task AudioLink_OfAnotherUsersConversation_IsNotIssued_AndNullWithoutAudio()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, _) = await server.CreateUserAsync("ann@example.com");
        var (_, bobToken) = await server.CreateUserAsync("bob@example.com");
        var (_, adminToken) = await server.CreateUserAsync("boss@example.com", admin: true);
        var annsConversation = await ConversationSeed.ThreeUtterancesAsync(server, ann.Id);
        var silent = await ConversationSeed.ThreeUtterancesAsync(server, ann.Id);
        File.Delete(silent.AudioPath!);
        using var bob = server.ClientWithToken(bobToken);
        using var admin = server.ClientWithToken(adminToken);

        using var bobsView = await bob.GetAsync($"/api/conversations/{annsConversation.Id}");
        var adminsLink = await AudioLinkAsync(admin, annsConversation.Id);
        using var noAudio = await admin.GetAsync($"/api/conversations/{silent.Id}");

        Assert.Equal(HttpStatusCode.NotFound, bobsView.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync(adminsLink)).StatusCode);
        Assert.Equal(JsonValueKind.Null, (await noAudio.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("audio_link").ValueKind);
    }

    private static async Task<string> AudioLinkAsync(HttpClient client, string conversationId)
    {
        using var response = await client.GetAsync($"/api/conversations/{conversationId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("audio_link").GetString()!;
    }

    private static string LinkToken(string link) => link[(link.IndexOf("?link=", StringComparison.Ordinal) + "?link=".Length)..];
}
