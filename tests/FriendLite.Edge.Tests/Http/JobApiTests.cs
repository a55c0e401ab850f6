using System.Net;
using System.Text.Json;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Tests.Http;

/// <summary><c>/api/jobs</c>: what an administrator sees of the durable backlog, and retrying and cancelling from it.</summary>
public sealed class JobApiTests
{
    [Fact]
    public async Task FailedJob_IsListedWithItsReason_AndARetryTranscribesIt()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { Engine = () => new SlowEngine(TimeSpan.FromMilliseconds(10)) });
        var (admin, adminToken) = await server.CreateUserAsync("root@example.com", admin: true);
        var (_, userToken) = await server.CreateUserAsync("ann@example.com");
        var samples = Fixtures.Samples("conversation-3utt.wav");
        await DeviceSupport.StreamPcmAsync(server, adminToken, samples);
        var conversation = Assert.Single(await DeviceSupport.ClosedConversationsAsync(server, admin.Id, 1));
        await DeviceSupport.TranscriptRowsAsync(server, conversation.Id, 3);

        // A segment whose job failed for good (say the disk was full on each of its attempts).
        var jobs = new JobStore(server.Server.Database, TimeProvider.System);
        var request = new TranscriptionRequest(conversation.Id, conversation.AudioPath!, 160_000, 176_000, "speaker_x"); // 10-11 s: no segment of the device starts there
        var id = await jobs.EnqueueAsync(TranscriptionScheduler.JobKind, request.ToJobPayload(), default, maxAttempts: 1);
        await using (var connection = await server.Server.Database.OpenConnectionAsync(default))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "UPDATE jobs SET state = 'failed', attempts = 1, last_error = 'disk full' WHERE id = $id;";
            command.Parameters.AddWithValue("$id", id);
            await command.ExecuteNonQueryAsync();
        }

        using var admins = server.ClientWithToken(adminToken);
        using var users = server.ClientWithToken(userToken);
        using var forbidden = await users.GetAsync("/api/jobs");
        using var listed = JsonDocument.Parse(await admins.GetStringAsync("/api/jobs?state=failed"));
        using var retried = await admins.PostAsync($"/api/jobs/{id}/retry", null);

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        var job = Assert.Single(listed.RootElement.GetProperty("jobs").EnumerateArray());
        Assert.Equal((id, "transcribe", "failed", 1, "disk full", conversation.Id),
            (job.GetProperty("id").GetInt64(), job.GetProperty("kind").GetString(), job.GetProperty("state").GetString(),
             job.GetProperty("attempts").GetInt32(), job.GetProperty("last_error").GetString(), job.GetProperty("conversation_id").GetString()));
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(4, (await DeviceSupport.TranscriptRowsAsync(server, conversation.Id, 4)).Count);
        await DeviceSupport.WaitForAsync(async () => (await jobs.FindAsync(id, default))!.State == "done" ? "done" : null, "the retried job to finish");

        using var cancelDone = await admins.PostAsync($"/api/jobs/{id}/cancel", null);
        using var unknown = await admins.PostAsync("/api/jobs/999999/retry", null);
        Assert.Equal(HttpStatusCode.Conflict, cancelDone.StatusCode);
        Assert.Contains("is done", await cancelDone.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
