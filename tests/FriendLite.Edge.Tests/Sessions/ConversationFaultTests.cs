using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Tests.Audio;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Tests.Sessions;

/// <summary>
/// A conversation whose close meets a failing database. The fault is injected in SQLite itself: a
/// trigger that aborts the UPDATE closing the row, as a failing disk or a corrupt page would.
/// </summary>
public sealed class ConversationFaultTests
{
    [Fact]
    public async Task CloseWhileTheDatabaseFails_WavIsFinishedAndReleased_RowIsLeftForRecovery_ServerGoesOn()
    {
        using var dir = new TempDirectory();
        var samples = AudioTests.Tone(300, 16000, seconds: 1.5);
        string userId, path;
        await using (var server = await TestServer.StartAsync(dataDirectory: dir))
        {
            server.KeepDataDirectory = true;
            var (user, token) = await server.CreateUserAsync("ann@example.com");
            userId = user.Id;
            await ExecuteAsync(server, """
                CREATE TRIGGER injected_close_fault BEFORE UPDATE OF state ON conversations WHEN NEW.state <> 'open'
                BEGIN SELECT RAISE(ABORT, 'injected: disk I/O error'); END;
                """);

            await using (var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token))
            {
                await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
                await device.SendPcmAsync(samples, AudioFormat.Speech);
                await device.SendEventAsync(WyomingEvent.AudioStop);
                await device.CloseAsync();
            }

            await DeviceSupport.WaitForNoSessionsAsync(server);
            var conversation = Assert.Single(await DeviceSupport.ConversationsAsync(server, userId));
            path = conversation.AudioPath!;

            // The WAV is finished (its header counts every sample) and no descriptor of it is left open.
            Assert.Equal(samples, WavFile.Read(path).Samples);
            Assert.DoesNotContain(OpenFiles(), f => f == path);
            // The row could not be closed: it stays open for the next start's recovery, not closed with a wrong count.
            Assert.Equal("open", conversation.State);

            // The server goes on: the next device's conversation is stored once the database heals.
            await ExecuteAsync(server, "DROP TRIGGER injected_close_fault;");
            await DeviceSupport.StreamPcmAsync(server, token, samples);
            await DeviceSupport.WaitForAsync(async () => (await DeviceSupport.ConversationsAsync(server, userId)).Count(c => c.State == "closed") == 1 ? "closed" : null, "the second conversation to close");
        }

        await using var restarted = await TestServer.StartAsync(dataDirectory: dir);
        var recovered = (await DeviceSupport.ConversationsAsync(restarted, userId)).Single(c => c.AudioPath == path);
        Assert.Equal(("closed", (long)samples.Length), (recovered.State, recovered.SampleCount));
    }

    [Fact]
    public async Task SegmentJobCannotBeStored_SessionEndsNormally_WavFinishedAndReleased_RowClosedWithEverySample()
    {
        // One engine run at a time, 2 s each, one queue slot: the third segment must become a job,
        // and the jobs table refuses every insert.
        var lines = new LogLines(LogLevel.Error);
        await using var server = await TestServer.StartAsync(log: lines.Log, configure: o => o with
        {
            Engine = () => new SlowEngine(TimeSpan.FromSeconds(2)),
            TranscriptionQueue = 1,
            DrainTimeout = TimeSpan.FromSeconds(10),
        });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        await ExecuteAsync(server, """
            CREATE TRIGGER injected_job_fault BEFORE INSERT ON jobs
            BEGIN SELECT RAISE(ABORT, 'injected: disk I/O error'); END;
            """);
        var samples = Fixtures.Samples("conversation-3utt.wav");

        await using (var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token))
        {
            await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
            await device.SendPcmAsync(samples, AudioFormat.Speech);
            await device.SendEventAsync(WyomingEvent.AudioStop);
            await device.CloseAsync();
            Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, device.Socket.CloseStatus);
        }

        var conversation = Assert.Single(await DeviceSupport.ClosedConversationsAsync(server, user.Id, 1));
        await DeviceSupport.WaitForNoSessionsAsync(server);
        Assert.Equal(("closed", (long)samples.Length), (conversation.State, conversation.SampleCount));
        Assert.Equal(samples, WavFile.Read(conversation.AudioPath!).Samples);
        Assert.DoesNotContain(OpenFiles(), f => f == conversation.AudioPath);
        // The segments the engine took are transcribed; those the full queue had to refuse could not be
        // stored, and each is logged with its place in the WAV, not fatal. Together: all three.
        var refused = lines.Lines.Count(l => l.Contains("could not be kept as a job", StringComparison.Ordinal));
        Assert.InRange(refused, 1, 2);
        Assert.Equal(3 - refused, (await DeviceSupport.TranscriptRowsAsync(server, conversation.Id, 3 - refused)).Count);
        Assert.False(server.Server.Faulted.IsCancellationRequested);
    }

    private static async Task ExecuteAsync(TestServer server, string sql)
    {
        await using var connection = await server.Server.Database.OpenConnectionAsync(default);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static List<string> OpenFiles() =>
        [.. Directory.EnumerateFileSystemEntries("/proc/self/fd").Select(fd => new FileInfo(fd).LinkTarget).OfType<string>()];
}
