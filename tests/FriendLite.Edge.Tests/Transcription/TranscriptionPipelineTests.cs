using System.Text.Json;
using static FriendLite.Edge.Tests.Support.DeviceSupport;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Loadgen;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Transcription;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Tests.Transcription;

/// <summary>Speech from devices to transcript rows, with the fixtures' test model (meaningless text, real timings).</summary>
public sealed class TranscriptionPipelineTests
{
    private static string TestModel => Fixtures.Path("ggml-tiny.en-for-tests.bin");

    [Theory]
    [InlineData("/ws_omi")]
    [InlineData("/ws_pcm")]
    public async Task ThreeUtterances_StreamedFromADevice_BecomeThreeTranscriptSegmentsAtTheirTimes(string path)
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { ModelPath = TestModel, Threads = 2 });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var (_, samples) = WavFile.Read(Fixtures.Path("conversation-3utt.wav"));

        await using (var device = await DeviceClient.ConnectAsync(server, path, token, "pendant"))
        {
            if (path == "/ws_omi")
            {
                // What an Omi pendant sends: bare 20 ms Opus packets, 16 kHz mono.
                var packets = AudioFrames.Create(samples, AudioCodec.Opus, 320);
                await device.SendOpusAsync(Enumerable.Range(0, packets.Count).Select(i => packets[i].ToArray()));
            }
            else
            {
                await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
                await device.SendPcmAsync(samples, AudioFormat.Speech);
                await device.SendEventAsync(WyomingEvent.AudioStop);
            }

            await device.CloseAsync();
        }

        var conversation = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        var rows = await TranscriptRowsAsync(server, conversation.Id, 3);

        // The utterances' times in what was sent; Opus moves a boundary by at most one 30 ms VAD frame.
        var expected = EnergyVad.Detect(samples);
        var tolerance = path == "/ws_omi" ? 0.031 : 0.0005;
        Assert.Equal(3, rows.Count);
        for (var i = 0; i < 3; i++)
        {
            Assert.InRange(rows[i].Start, expected[i].Start - tolerance, expected[i].Start + tolerance);
            Assert.InRange(rows[i].End, expected[i].End - tolerance, expected[i].End + tolerance);
            Assert.Equal($"speaker_{conversation.ClientId}", rows[i].Speaker);
            Assert.Equal("ggml-tiny.en-for-tests.bin", rows[i].Model);
        }

        using var client = server.ClientWithToken(token);
        using var api = JsonDocument.Parse(await client.GetStringAsync($"/api/conversations/{conversation.Id}"));
        Assert.Equal(3, api.RootElement.GetProperty("transcript").GetArrayLength());
        using var health = JsonDocument.Parse(await server.Client.GetStringAsync("/health"));
        Assert.Equal("ok", health.RootElement.GetProperty("components").GetProperty("transcription").GetProperty("status").GetString());
    }

    [Fact]
    public async Task LongSession_KeepsOnlyTheSegmentsItsDrainMayWaitFor()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { Engine = () => new SlowEngine(TimeSpan.FromMilliseconds(5)) });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var samples = Fixtures.Samples("conversation-3utt.wav");
        await using var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token);
        await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);

        // One session, one conversation, nine utterances: each is transcribed before the next is cut.
        for (var i = 0; i < 3; i++)
        {
            await device.SendPcmAsync([.. samples, .. new short[16000]], AudioFormat.Speech); // a second of silence ends the last utterance
            var conversationId = await WaitForAsync(() => Task.FromResult(server.Server.Sessions.List(null).Single().Session?.CurrentConversationId), "the conversation");
            await TranscriptRowsAsync(server, conversationId, 3 * (i + 1));
        }

        var session = server.Server.Sessions.List(null).Single().Session!;
        Assert.Equal(9, session.Recorder.SegmentsSubmitted);
        Assert.InRange(session.Recorder.SegmentsTracked, 0, 3); // at most the last utterance's batch, not all nine
    }

    [Fact]
    public async Task SileroVad_CutsTheSegments_AndHealthSaysSo()
    {
        var silero = Fixtures.Path("silero-v6.2.0-ggml.bin");
        await using var server = await TestServer.StartAsync(configure: o => o with { ModelPath = TestModel, Threads = 2, VadModelPath = silero });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var (_, samples) = WavFile.Read(Fixtures.Path("conversation-3utt.wav"));

        await StreamPcmAsync(server, token, samples);

        var conversation = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        var rows = await TranscriptRowsAsync(server, conversation.Id, 3);
        using var model = SileroVadModel.Load(silero, new VadSettings());
        var expected = SileroVadTests.Streamed(model, samples);
        Assert.Equal(expected.Select(e => (e.Start, e.End)), rows.Select(r => (r.Start, r.End)));
        using var health = JsonDocument.Parse(await server.Client.GetStringAsync("/health"));
        var component = health.RootElement.GetProperty("components").GetProperty("vad");
        Assert.Equal(("ok", "silero: silero-v6.2.0-ggml.bin"), (component.GetProperty("status").GetString(), component.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task BrokenVadModel_FallsBackToTheEnergyVad_HealthDegradedSaysWhy()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { ModelPath = TestModel, Threads = 2, VadModelPath = "/nonexistent/silero.bin" });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var (_, samples) = WavFile.Read(Fixtures.Path("conversation-3utt.wav"));

        await StreamPcmAsync(server, token, samples);

        var conversation = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        var rows = await TranscriptRowsAsync(server, conversation.Id, 3);
        Assert.Equal(EnergyVad.Detect(samples).Select(e => (e.Start, e.End)), rows.Select(r => (r.Start, r.End)));
        using var health = JsonDocument.Parse(await server.Client.GetStringAsync("/health"));
        var component = health.RootElement.GetProperty("components").GetProperty("vad");
        Assert.Equal("degraded", component.GetProperty("status").GetString());
        Assert.Equal("degraded", health.RootElement.GetProperty("status").GetString());
        Assert.Contains("/nonexistent/silero.bin does not exist", component.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FullQueue_SegmentsBecomeDurableJobsThatAreStillTranscribed()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { ModelPath = TestModel, Threads = 2, TranscriptionQueue = 0 });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var (_, samples) = WavFile.Read(Fixtures.Path("conversation-3utt.wav"));

        await using (var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token))
        {
            await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
            await device.SendPcmAsync(samples, AudioFormat.Speech);
            await device.CloseAsync();
        }

        var conversation = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        var jobs = new JobStore(server.Server.Database, TimeProvider.System);
        await WaitForAsync(async () => await jobs.CountAsync(TranscriptionScheduler.JobKind, "done", default) == 3 ? "done" : null, "three jobs done");
        Assert.Equal(3, (await new TranscriptStore(server.Server.Database).ListAsync(conversation.Id, default)).Count);
    }

    [Fact]
    public async Task BrokenModel_ServerStillStartsAndStoresAudio_HealthIsDegradedAndSaysWhy()
    {
        using var dir = new TempDirectory();
        var broken = Path.Combine(dir.Path, "ggml-broken.bin");
        await File.WriteAllBytesAsync(broken, File.ReadAllBytes(TestModel)[..1000]);
        var lines = new LogLines();
        await using var server = await TestServer.StartAsync(log: lines.Log, configure: o => o with { ModelPath = broken });

        using var health = JsonDocument.Parse(await server.Client.GetStringAsync("/health"));

        var transcription = health.RootElement.GetProperty("components").GetProperty("transcription");
        Assert.Equal("unavailable", transcription.GetProperty("status").GetString());
        Assert.Contains("is truncated", transcription.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("degraded", health.RootElement.GetProperty("status").GetString()); // asked for, not there: not "ok"

        // The last line of the start says it, after "started", where a person reading the start sees it.
        var log = lines.Lines.ToList();
        var started = log.FindIndex(l => l.Contains("server: started", StringComparison.Ordinal));
        Assert.True(started >= 0, string.Join('\n', log));
        Assert.Contains("transcription=unavailable", log[started], StringComparison.Ordinal);
        var warning = Assert.Single(log.Skip(started + 1), l => l.Contains("WITHOUT transcription", StringComparison.Ordinal));
        Assert.StartsWith("warn server: started WITHOUT transcription", warning, StringComparison.Ordinal);
        Assert.Contains($"The model file {broken} is truncated", warning, StringComparison.Ordinal);
        Assert.Contains("their speech waits as jobs", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingModel_GivenRelativePath_HealthNamesTheFullPathTheServerLookedAt()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { ModelPath = "typo.bin" });

        using var health = JsonDocument.Parse(await server.Client.GetStringAsync("/health"));

        var detail = health.RootElement.GetProperty("components").GetProperty("transcription").GetProperty("detail").GetString();
        Assert.StartsWith($"The model file {Path.GetFullPath("typo.bin")} does not exist", detail, StringComparison.Ordinal);
    }
}

public sealed class BacklogRestartTests
{
    [Fact]
    public async Task SpeechRecordedWhileTheModelDidNotLoad_WaitsAsJobs_AndIsTranscribedAfterARestartWithAModelThatLoads()
    {
        using var dir = new TempDirectory();
        string conversationId;
        await using (var first = await TestServer.StartAsync(dataDirectory: dir, configure: o => o with { ModelPath = "/nonexistent/ggml-base.en.bin" }))
        {
            first.KeepDataDirectory = true;
            var (user, token) = await first.CreateUserAsync("ann@example.com");
            await using (var device = await DeviceClient.ConnectAsync(first, "/ws_pcm", token))
            {
                await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
                await device.SendPcmAsync(Fixtures.Samples("conversation-3utt.wav"), AudioFormat.Speech);
                await device.CloseAsync();
            }

            conversationId = Assert.Single(await ClosedConversationsAsync(first, user.Id, 1)).Id;
            var jobs = new JobStore(first.Server.Database, TimeProvider.System);
            await WaitForAsync(async () => await jobs.CountAsync(TranscriptionScheduler.JobKind, "pending", default) == 3 ? "3" : null, "the three utterances to wait as jobs");
            Assert.Empty(await new TranscriptStore(first.Server.Database).ListAsync(conversationId, default));
        }

        // The user fixes the model and restarts: nothing said in the meantime is lost.
        await using var second = await TestServer.StartAsync(dataDirectory: dir, configure: o => o with { ModelPath = Fixtures.Path("ggml-tiny.en-for-tests.bin"), Threads = 2 });
        var rows = await TranscriptRowsAsync(second, conversationId, 3);

        Assert.Equal(EnergyVad.Detect(Fixtures.Samples("conversation-3utt.wav")).Select(e => (e.Start, e.End)), rows.Select(r => (r.Start, r.End)));
    }

    [Fact]
    public async Task Backlog_LeftByAServerWithoutAModel_IsTranscribedAfterARestartWithOne()
    {
        using var dir = new TempDirectory();
        string conversationId;
        await using (var first = await TestServer.StartAsync(dataDirectory: dir))
        {
            first.KeepDataDirectory = true;
            var (user, token) = await first.CreateUserAsync("ann@example.com");
            var (_, samples) = WavFile.Read(Fixtures.Path("conversation-3utt.wav"));
            await using (var device = await DeviceClient.ConnectAsync(first, "/ws_pcm", token))
            {
                await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
                await device.SendPcmAsync(samples, AudioFormat.Speech);
                await device.CloseAsync();
            }

            conversationId = Assert.Single(await ClosedConversationsAsync(first, user.Id, 1)).Id;
            // What a crash mid-job leaves behind: the segments as jobs, one of them marked running.
            var jobs = new JobStore(first.Server.Database, TimeProvider.System);
            foreach (var segment in EnergyVad.Detect(samples))
            {
                await jobs.EnqueueAsync(TranscriptionScheduler.JobKind,
                    new TranscriptionRequest(conversationId, (await new ConversationStore(first.Server.Database).FindAsync(conversationId, default))!.AudioPath!, segment.StartSample, segment.EndSample, "speaker_x").ToJobPayload(), default);
            }

            await jobs.ClaimAsync(TranscriptionScheduler.JobKind, default);
        }

        await using var second = await TestServer.StartAsync(dataDirectory: dir, configure: o => o with { ModelPath = Fixtures.Path("ggml-tiny.en-for-tests.bin"), Threads = 2 });
        var rows = await TranscriptRowsAsync(second, conversationId, 3);

        Assert.Equal(3, rows.Count);
        Assert.Equal(3, await new JobStore(second.Server.Database, TimeProvider.System).CountAsync(TranscriptionScheduler.JobKind, "done", default));
    }
}
