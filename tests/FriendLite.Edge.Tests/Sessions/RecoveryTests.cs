using FriendLite.Edge.Audio;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Audio;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Sessions;

public sealed class RecoveryTests
{
    [Fact]
    public async Task Start_AfterACrashMidConversation_RepairsTheWavAndClosesTheConversation()
    {
        using var dir = new TempDirectory();
        string conversationId, path, userId;
        var samples = AudioTests.Tone(300, 16000, seconds: 2.6);
        await using (var first = await TestServer.StartAsync(dataDirectory: dir))
        {
            first.KeepDataDirectory = true;
            (var user, _) = await first.CreateUserAsync("ann@example.com");
            userId = user.Id;
            conversationId = Guid.NewGuid().ToString("N");
            path = ConversationStore.AudioPath(dir.Path, conversationId, DateTimeOffset.UtcNow);
            var store = new ConversationStore(first.Server.Database);
            await store.CreateAsync(new ConversationRow(conversationId, user.Id, "abc123-pendant", DateTimeOffset.UtcNow, null, path, 16000, 0, "open"), default);
            // What kill -9 leaves: samples on disk beyond the header's last refresh (2 s), the row still open.
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            WavFile.Write(path, samples);
            var staleHeader = new byte[WavWriter.HeaderBytes];
            WavFile.WriteHeader(staleHeader, 16000, dataBytes: 2 * 32_000);
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
            {
                file.Write(staleHeader);
            }

            Assert.Equal(32_000, WavFile.Read(path).Samples.Length);
        }

        await using var second = await TestServer.StartAsync(dataDirectory: dir);

        var conversation = Assert.Single(await DeviceSupport.ConversationsAsync(second, userId));
        Assert.Equal(("closed", (long)samples.Length), (conversation.State, conversation.SampleCount));
        Assert.Equal(samples, WavFile.Read(path).Samples);
    }

    [Fact]
    public async Task Start_WhenOneConversationsUncutSpeechCannotBeQueued_StillStartsAndClosesItWithEverySample()
    {
        using var dir = new TempDirectory();
        string userId, path;
        var samples = Fixtures.Samples("jfk.wav");
        await using (var first = await TestServer.StartAsync(dataDirectory: dir))
        {
            first.KeepDataDirectory = true;
            (var user, _) = await first.CreateUserAsync("ann@example.com");
            userId = user.Id;
            var conversationId = Guid.NewGuid().ToString("N");
            path = ConversationStore.AudioPath(dir.Path, conversationId, DateTimeOffset.UtcNow);
            await new ConversationStore(first.Server.Database).CreateAsync(new ConversationRow(conversationId, user.Id, "abc123-pendant", DateTimeOffset.UtcNow, null, path, 16000, 0, "open"), default);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            WavFile.Write(path, samples); // speech no transcript covers: recovery wants to queue it
            using var connection = first.Server.Database.OpenConnection();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TRIGGER refuse_jobs BEFORE INSERT ON jobs BEGIN SELECT RAISE(ABORT, 'injected: jobs refused'); END;";
            command.ExecuteNonQuery();
        }

        // One conversation's recovery failing is that conversation's problem, not a start-up that fails (and under systemd, a crash loop).
        var lines = new LogLines(FriendLite.Edge.Diagnostics.LogLevel.Warn);
        await using var second = await TestServer.StartAsync(dataDirectory: dir, log: lines.Log, configure: o => o with { Engine = () => new SlowEngine(TimeSpan.Zero) });

        var conversation = Assert.Single(await DeviceSupport.ConversationsAsync(second, userId));
        Assert.Equal(("closed", (long)samples.Length), (conversation.State, conversation.SampleCount));
        Assert.Contains(lines.Lines, l => l.Contains("could not look for untranscribed speech", StringComparison.Ordinal));
    }
}
