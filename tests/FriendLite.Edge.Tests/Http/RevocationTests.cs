using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using FriendLite.Edge.Accounts;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Transcription;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Tests.Http;

/// <summary>Taking access away: deactivating, deleting, changing a password reach tokens, live devices and jobs.</summary>
public sealed class RevocationTests
{
    private const string Password = "correct horse battery";

    [Fact]
    public async Task PatchUser_DeactivatedWhileTheirDeviceStreams_Closed1008ConversationClosedAudioKept()
    {
        await using var server = await TestServer.StartAsync();
        var (_, adminToken) = await server.CreateUserAsync("boss@example.com", admin: true);
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        using var admin = server.ClientWithToken(adminToken);
        using var annClient = server.ClientWithToken(annToken);
        var device = await StreamingDeviceAsync(server, ann.Id, annToken);

        using var patched = await admin.PatchAsJsonAsync($"/api/users/{ann.Id}", new { is_active = false });

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.False((await patched.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("is_active").GetBoolean());
        var (status, reason) = await device.WaitForCloseAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Equal("the account was deactivated", reason);
        await device.DisposeAsync();
        await DeviceSupport.WaitForNoSessionsAsync(server);
        var conversation = Assert.Single(await DeviceSupport.ConversationsAsync(server, ann.Id));
        Assert.Equal("closed", conversation.State);
        Assert.True(conversation.SampleCount > 0);
        Assert.Equal(conversation.SampleCount, WavFile.Read(conversation.AudioPath!).Samples.Length);
        Assert.Equal(HttpStatusCode.Unauthorized, (await annClient.GetAsync("/api/me")).StatusCode);
        await Assert.ThrowsAsync<UpgradeRefused>(() => DeviceClient.ConnectAsync(server, "/ws_pcm", annToken));

        // Reactivated, the same token works again: deactivation suspends, a password change revokes.
        using var reactivated = await admin.PatchAsJsonAsync($"/api/users/{ann.Id}", new { is_active = true });
        Assert.Equal(HttpStatusCode.OK, reactivated.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await annClient.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task PatchUser_NewPassword_OldTokensRefusedLiveDeviceClosedNewLoginWorks()
    {
        await using var server = await TestServer.StartAsync();
        var (_, adminToken) = await server.CreateUserAsync("boss@example.com", admin: true);
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        using var admin = server.ClientWithToken(adminToken);
        using var annClient = server.ClientWithToken(annToken);
        var device = await StreamingDeviceAsync(server, ann.Id, annToken);

        using var patched = await admin.PatchAsJsonAsync($"/api/users/{ann.Id}", new { password = "a brand new password" });

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var (status, reason) = await device.WaitForCloseAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Equal("the account's password was changed", reason);
        await device.DisposeAsync();
        using var old = await annClient.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        Assert.Contains("revoked", await old.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var login = await LoginAsync(server, "ann@example.com", "a brand new password");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var fresh = (await login.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("access_token").GetString()!;
        using var freshClient = server.ClientWithToken(fresh);
        Assert.Equal(HttpStatusCode.OK, (await freshClient.GetAsync("/api/me")).StatusCode);
        await DeviceSupport.WaitForNoSessionsAsync(server);
        Assert.Equal("closed", Assert.Single(await DeviceSupport.ConversationsAsync(server, ann.Id)).State);
    }

    [Fact]
    public async Task PatchMe_OwnPassword_ChangesItAndRevokesTheOldToken_ButNotActiveOrAdmin()
    {
        await using var server = await TestServer.StartAsync();
        var (_, annToken) = await server.CreateUserAsync("ann@example.com");
        using var annClient = server.ClientWithToken(annToken);

        using var promote = await annClient.PatchAsJsonAsync("/users/me", new { is_superuser = true });
        using var weak = await annClient.PatchAsJsonAsync("/users/me", new { password = "short" });
        using var changed = await annClient.PatchAsJsonAsync("/users/me", new { password = "my own new password" });

        Assert.Equal(HttpStatusCode.Forbidden, promote.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await annClient.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(server, "ann@example.com", "my own new password")).StatusCode);
    }

    [Fact]
    public async Task PatchUser_ByNonAdminOrOnOneself_RefusedAndUnknownIs404()
    {
        await using var server = await TestServer.StartAsync();
        var (boss, adminToken) = await server.CreateUserAsync("boss@example.com", admin: true);
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        using var admin = server.ClientWithToken(adminToken);
        using var annClient = server.ClientWithToken(annToken);

        using var byUser = await annClient.PatchAsJsonAsync($"/api/users/{ann.Id}", new { is_active = false });
        using var self = await admin.PatchAsJsonAsync($"/api/users/{boss.Id}", new { is_active = false });
        using var missing = await admin.PatchAsJsonAsync("/api/users/000000000000000000000000", new { is_active = false });

        Assert.Equal(HttpStatusCode.Forbidden, byUser.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, self.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await annClient.GetAsync("/api/me")).StatusCode);
    }

    [Theory]
    [InlineData("delete")]
    [InlineData("deactivate")]
    public async Task DeleteOrDeactivate_CancelsTheUsersWaitingTranscriptionJobs_OnlyTheirs(string how)
    {
        await using var server = await TestServer.StartAsync();
        var (_, adminToken) = await server.CreateUserAsync("boss@example.com", admin: true);
        var (ann, _) = await server.CreateUserAsync("ann@example.com");
        var (bob, _) = await server.CreateUserAsync("bob@example.com");
        var annJob = await AddWaitingJobAsync(server, ann.Id);
        var bobJob = await AddWaitingJobAsync(server, bob.Id);
        using var admin = server.ClientWithToken(adminToken);

        using var response = how == "delete"
            ? await admin.DeleteAsync($"/api/users/{ann.Id}")
            : await admin.PatchAsJsonAsync($"/api/users/{ann.Id}", new { is_active = false });

        Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString());
        Assert.Equal("cancelled", (await server.Server.Jobs.FindAsync(annJob, default))!.State);
        Assert.Equal("pending", (await server.Server.Jobs.FindAsync(bobJob, default))!.State);
    }

    [Fact]
    public async Task TokenWithoutVersion_FromBeforeTheUpgrade_WorksUntilThePasswordChanges()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, _) = await server.CreateUserAsync("ann@example.com");
        var key = AuthSecret.Load(null, server.DataDirectory.Path);
        var oldToken = SignedToken(key, $"{{\"sub\":\"{ann.Id}\",\"iat\":{DateTimeOffset.UtcNow.ToUnixTimeSeconds()},\"exp\":{DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds()}}}");
        using var client = server.ClientWithToken(oldToken);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/me")).StatusCode);
        Assert.Null(await server.Server.Accounts.ChangePasswordAsync(ann, "another good password", default));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task PatchUser_DeactivatedWhileTheirSpeechIsInTranscription_LeftAsCancelledJobsNotHandedOver()
    {
        // 5 s a segment: three utterances would take 15 s, if the server went on with them.
        var engine = new SlowEngine(TimeSpan.FromSeconds(5));
        await using var server = await TestServer.StartAsync(configure: o => o with { Engine = () => engine });
        var (_, adminToken) = await server.CreateUserAsync("boss@example.com", admin: true);
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        using var admin = server.ClientWithToken(adminToken);
        var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", annToken);
        await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
        await device.SendPcmAsync(Fixtures.Samples("conversation-3utt.wav"), AudioFormat.Speech);
        await DeviceSupport.WaitUntilAsync(() => server.Server.Scheduler!.Running == 1, "the first utterance to be in transcription");

        using var patched = await admin.PatchAsJsonAsync($"/api/users/{ann.Id}", new { is_active = false });

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, (await device.WaitForCloseAsync(TimeSpan.FromSeconds(10))).Status);
        await device.DisposeAsync();
        await DeviceSupport.WaitForNoSessionsAsync(server);
        // Unlike a device that just leaves, its speech is not handed to the server to finish: it
        // waits as jobs, which the deactivation cancels (an administrator can retry them). A job
        // worker may claim one in the moment between, so at most one is transcribed.
        var conversation = Assert.Single(await DeviceSupport.ConversationsAsync(server, ann.Id));
        var jobs = await DeviceSupport.WaitForAsync(async () =>
        {
            var all = await server.Server.Jobs.ListAsync(null, TranscriptionScheduler.JobKind, 10, default);
            return all.Count == 3 && all.All(j => j.State is "cancelled" or "done") ? all : null;
        }, "every segment's job to be cancelled or done");
        var rows = await new TranscriptStore(server.Server.Database).ListAsync(conversation.Id, default);
        Assert.InRange(jobs.Count(j => j.State == "cancelled"), 2, 3);
        Assert.Equal(jobs.Count(j => j.State == "done"), rows.Count);
    }

    internal static async Task<DeviceClient> StreamingDeviceAsync(TestServer server, string userId, string token)
    {
        var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token);
        await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
        await device.SendPcmAsync(Fixtures.Samples("jfk.wav"), AudioFormat.Speech);
        await DeviceSupport.WaitForAsync(async () => (await DeviceSupport.ConversationsAsync(server, userId)).SingleOrDefault(c => c.State == "open"), "the conversation to open");
        return device;
    }

    private static async Task<long> AddWaitingJobAsync(TestServer server, string userId)
    {
        var conversationId = Guid.NewGuid().ToString("N");
        await new ConversationStore(server.Server.Database).CreateAsync(
            new ConversationRow(conversationId, userId, "x-phone", DateTimeOffset.UtcNow, null, null, 16000, 0, "closed"), default);
        return await server.Server.Jobs.EnqueueAsync(TranscriptionScheduler.JobKind, $"{{\"conversation_id\":\"{conversationId}\"}}", default);
    }

    private static string SignedToken(byte[] key, string payload)
    {
        var header = Base64Url.EncodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"u8);
        var body = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload));
        var signature = HMACSHA256.HashData(key, Encoding.ASCII.GetBytes($"{header}.{body}"));
        return $"{header}.{body}.{Base64Url.EncodeToString(signature)}";
    }

    private static Task<HttpResponseMessage> LoginAsync(TestServer server, string email, string password) =>
        server.Client.PostAsync("/auth/jwt/login", new FormUrlEncodedContent([new("username", email), new("password", password)]));
}
