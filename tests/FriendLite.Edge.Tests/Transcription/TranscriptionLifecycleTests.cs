using System.Net.WebSockets;
using static FriendLite.Edge.Tests.Support.DeviceSupport;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Server;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Transcription;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Tests.Transcription;

/// <summary>
/// Transcription work and its owners: the remote engine chosen with --asr (SCENARIOS row 6), more
/// speech than the engine can take (row 20), and a native Whisper run cancelled and shut down at
/// once (row 23, in the serial collection because it measures the process's CPU).
/// </summary>
public sealed class TranscriptionLifecycleTests
{
    [Fact]
    public async Task Asr_WyomingServer_TranscribesEverySegment()
    {
        await using var asr = FakeAsr.Start(FakeAsr.Reply.Inline);
        await using var server = await TestServer.StartAsync(configure: o => o with { Offline = false, Asr = asr.Address });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var samples = Fixtures.Samples("conversation-3utt.wav");

        await StreamPcmAsync(server, token, samples);

        var conversation = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        var rows = await TranscriptRowsAsync(server, conversation.Id, 3);
        var expected = EnergyVad.Detect(samples);
        for (var i = 0; i < 3; i++)
        {
            // The server sent exactly the segment's samples, as 16-bit PCM, in 1 s chunks.
            var bytes = (expected[i].EndSample - expected[i].StartSample) * 2;
            Assert.Equal($"heard {bytes} bytes in {(bytes + 31_999) / 32_000} chunks", rows[i].Text);
            Assert.Equal(("wyoming", $"127.0.0.1:{asr.Port}"), (rows[i].Engine, rows[i].Model));
        }

        using var health = System.Text.Json.JsonDocument.Parse(await server.Client.GetStringAsync("/health"));
        Assert.Equal("ok", health.RootElement.GetProperty("components").GetProperty("transcription").GetProperty("status").GetString());
        // Every request's connection was closed when it ended (the fake server sees the close a moment after the row is stored).
        await WaitUntilAsync(() => asr.Open == 0, "every ASR connection to be closed");
    }

    [Fact]
    public async Task Asr_AnswersGarbageOnce_DeviceKeepsItsConnectionServerServesAndTheSegmentIsRetried()
    {
        await using var asr = FakeAsr.Start(FakeAsr.Reply.Inline, garbageFirst: 1);
        await using var server = await TestServer.StartAsync(configure: o => o with { Offline = false, Asr = asr.Address });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var samples = Fixtures.Samples("conversation-3utt.wav");
        var expected = EnergyVad.Detect(samples);

        await using (var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token))
        {
            await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
            await device.SendPcmAsync(samples[..(int)expected[1].StartSample], AudioFormat.Speech);
            await WaitUntilAsync(() => asr.Requests >= 1, "the first segment to reach the ASR server");
            await device.SendPcmAsync(samples[(int)expected[1].StartSample..], AudioFormat.Speech);
            await device.SendEventAsync(WyomingEvent.AudioStop);
            await device.CloseAsync();
            Assert.Equal(WebSocketCloseStatus.NormalClosure, device.Socket.CloseStatus);
        }

        var conversation = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        var rows = await TranscriptRowsAsync(server, conversation.Id, 3);
        Assert.All(rows, r => Assert.StartsWith("heard ", r.Text, StringComparison.Ordinal));
        Assert.Equal(expected.Select(s => s.StartSample / 16000.0), rows.OrderBy(r => r.Start).Select(r => r.Start));
        Assert.False(server.Server.Faulted.IsCancellationRequested);
        using var health = await server.Client.GetAsync("/health");
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Row6_DeviceDisconnectsWhileTheAsrThinks_ConnectionClosedAndSegmentKeptAsAJob()
    {
        await using var asr = FakeAsr.Start(FakeAsr.Reply.Never);
        var lines = new LogLines();
        await using var server = await TestServer.StartAsync(log: lines.Log,
            configure: o => o with { Offline = false, Asr = asr.Address, DrainTimeout = TimeSpan.FromMilliseconds(300) });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var samples = Fixtures.Samples("conversation-3utt.wav");
        var first = EnergyVad.Detect(samples)[0];

        await using (var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token))
        {
            await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
            await device.SendPcmAsync(samples[..(int)(first.EndSample + 16000)], AudioFormat.Speech); // the first utterance and 1 s of silence
            await WaitUntilAsync(() => asr.Requests == 1, "the segment to reach the ASR server");
            await device.CloseAsync();
        }

        // The device was released at once and handed its segment to the server, which drained it for
        // 300 ms, then cancelled the request: the ASR connection is closed, and once the drain has
        // ended the segment waits as a durable job.
        await WaitForNoSessionsAsync(server);
        await lines.WaitForAsync("info session: disconnected");
        Assert.True(await asr.ClosedByClient.WaitAsync(TimeSpan.FromSeconds(10)));
        await lines.WaitForAsync("info transcription: transcription drain timed out");
        var conversation = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        var jobs = new JobStore(server.Server.Database, TimeProvider.System);
        var waiting = (await jobs.ListAsync(null, TranscriptionScheduler.JobKind, 10, default)).Count(j => j.State is "pending" or "running"); // one look: a worker may claim it meanwhile
        Assert.Equal(1, waiting);
        Assert.Empty(await new TranscriptStore(server.Server.Database).ListAsync(conversation.Id, default));
    }

    [Fact]
    public async Task Asr_WithOffline_IsAFailedStartSayingWhy()
    {
        var thrown = await Assert.ThrowsAsync<StartupException>(() =>
            TestServer.StartAsync(configure: o => o with { Offline = true, Asr = new Uri("wyoming://127.0.0.1:10300") }));

        Assert.Equal("--asr wyoming://127.0.0.1:10300 needs the network, which --offline forbids: use a local --model instead.", thrown.Message);
    }

    [Theory]
    [InlineData("http://asr.local:10300", "--asr 'http://asr.local:10300' is not a wyoming://host:port address.")]
    [InlineData("wyoming://asr.local", "--asr 'wyoming://asr.local' is not a wyoming://host:port address.")]
    public async Task Asr_BadAddress_ExitsTwoNamingIt(string address, string message)
    {
        var (code, _, error) = await CliRunner.RunAsync((_, _) => [ServeCommand.Create()], ["serve", "--asr", address]);

        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--offline", "needs the network, which --offline forbids")]
    [InlineData("--model", "--asr and --model both choose the transcription engine")]
    public async Task Asr_WithOfflineOrModel_ExitsTwo(string other, string message)
    {
        string[] args = other == "--model"
            ? ["serve", "--asr", "wyoming://asr.local:10300", "--model", "/models/ggml-base.en.bin"]
            : ["serve", "--asr", "wyoming://asr.local:10300", "--offline"];

        var (code, _, error) = await CliRunner.RunAsync((_, _) => [ServeCommand.Create()], args);

        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Row20_MoreSpeechThanTheEngineTakes_QueueStaysBoundedBacklogIsDurableAndCatchesUp()
    {
        const int devices = 4, capacity = 2;
        var engine = new SlowEngine(TimeSpan.FromMilliseconds(150));
        await using var server = await TestServer.StartAsync(configure: o => o with
        {
            Engine = () => engine,
            TranscriptionQueue = capacity,
            DrainTimeout = TimeSpan.FromMilliseconds(100),
        });
        var samples = Fixtures.Samples("conversation-3utt.wav");
        var users = new List<(User User, string Token)>();
        for (var i = 0; i < devices; i++)
        {
            users.Add(await server.CreateUserAsync($"user{i}@example.com"));
        }

        // Four devices send 17 s of speech each as fast as the server reads it: twelve segments
        // arrive within about a second, for an engine that takes 150 ms each, one at a time.
        var maxQueued = 0;
        using var streaming = new CancellationTokenSource();
        var watch = Task.Run(async () =>
        {
            while (!streaming.IsCancellationRequested)
            {
                maxQueued = Math.Max(maxQueued, server.Server.Scheduler!.Queued);
                await Task.Delay(2);
            }
        });
        await Task.WhenAll(users.Select(u => StreamPcmAsync(server, u.Token, samples)));
        await WaitForNoSessionsAsync(server);
        await streaming.CancelAsync();
        await watch;

        // Every session has ended; what it could not wait for is in SQLite, not in memory.
        var jobs = new JobStore(server.Server.Database, TimeProvider.System);
        Assert.InRange(maxQueued, 1, capacity);
        var backlogAtEnd = await jobs.CountAsync(TranscriptionScheduler.JobKind, "pending", default) + await jobs.CountAsync(TranscriptionScheduler.JobKind, "running", default);
        Assert.True(backlogAtEnd > 0, "the sessions ended with segments still waiting, as jobs");

        // And the backlog catches up: every segment of every device ends up as a transcript row.
        foreach (var (user, _) in users)
        {
            var conversation = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
            var rows = await TranscriptRowsAsync(server, conversation.Id, 3);
            Assert.All(rows, r => Assert.StartsWith("slow engine heard", r.Text, StringComparison.Ordinal));
        }

        await WaitForAsync(async () => await jobs.CountAsync(TranscriptionScheduler.JobKind, "pending", default) == 0 ? "none" : null, "no pending job");
        Assert.Equal(devices * 3, engine.Transcribed);
        Assert.Equal(1, engine.MostAtOnce); // one worker: the CPU is not oversubscribed
    }
}
