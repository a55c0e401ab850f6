using FriendLite.Edge.Audio;
using FriendLite.Edge.HomeAssistant;
using FriendLite.Edge.Server;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Transcription;
using FriendLite.Edge.Wyoming;
using static FriendLite.Edge.Tests.Support.DeviceSupport;

namespace FriendLite.Edge.Tests.HomeAssistant;

/// <summary>
/// The Wyoming speech-to-text server as Home Assistant speaks to it: describe/info, a transcript per
/// request (several per connection), its pieces streamed as they are decoded, any audio format,
/// voice commands ahead of every device's queue and the backlog, and nothing kept unless asked.
/// </summary>
public sealed class SpeechServerTests
{
    internal static Task<TestServer> StartAsync(ITranscriptionEngine engine, Func<SpeechServerOptions, SpeechServerOptions>? speech = null, Func<ServerOptions, ServerOptions>? more = null) =>
        TestServer.StartAsync(configure: o => (more?.Invoke(o) ?? o) with
        {
            Engine = () => engine,
            Wyoming = speech?.Invoke(new SpeechServerOptions("127.0.0.1", 0)) ?? new SpeechServerOptions("127.0.0.1", 0),
        });

    internal static Task<WyomingTestClient> ConnectAsync(TestServer server) => WyomingTestClient.ConnectAsync(server.Server.Speech!.EndPoint);

    internal static short[] Seconds(double seconds) => Fixtures.Samples("jfk.wav")[..(int)(seconds * 16000)];

    [Fact]
    public async Task Describe_AnswersInfoAsTheProtocolsLibraryWritesIt()
    {
        await using var engine = new SteppedEngine();
        await using var server = await StartAsync(engine);
        await using var client = await ConnectAsync(server);

        await client.SendAsync("describe");
        var info = await client.ReadAsync() ?? throw new IOException("no info");

        Assert.Equal("info", info.Type);
        Assert.Equal("1.7.0", info.Header["version"]!.GetValue<string>());
        Assert.True(info.Header["data_length"]!.GetValue<int>() > 0, "the data comes as a block after the header line");
        var asr = Assert.Single(info.Data["asr"]!.AsArray())!.AsObject();
        Assert.Equal("friendlite-edge", asr["name"]!.GetValue<string>());
        Assert.True(asr["installed"]!.GetValue<bool>());
        Assert.True(asr["supports_transcript_streaming"]!.GetValue<bool>());
        Assert.NotNull(asr["attribution"]!["name"]);
        var model = Assert.Single(asr["models"]!.AsArray())!.AsObject();
        Assert.Equal(["en"], model["languages"]!.AsArray().Select(l => l!.GetValue<string>()));
        Assert.True(model["installed"]!.GetValue<bool>());
        foreach (var other in new[] { "tts", "handle", "intent", "wake", "mic", "snd" })
        {
            Assert.Empty(info.Data[other]!.AsArray());
        }
    }

    [Fact]
    public async Task Transcribe_StreamsAPieceBeforeTheRunEnds_ThenTheWholeTranscriptAndStop()
    {
        await using var engine = new SteppedEngine();
        await using var server = await StartAsync(engine);
        await using var client = await ConnectAsync(server);

        await client.SendCommandAsync(Seconds(1));
        var start = await client.ReadAsync();
        var first = await client.ReadAsync();

        // The first piece arrived while the run is still held: it was streamed, not sent at the end.
        Assert.Equal("transcript-start", start!.Type);
        Assert.Equal("en", start.Data["language"]!.GetValue<string>());
        Assert.Equal(("transcript-chunk", "heard"), (first!.Type, first.Text));
        Assert.Single(engine.Runs);
        engine.Step();
        var rest = await client.ReadUntilAsync("transcript-stop");
        Assert.Equal(["transcript-chunk", "transcript", "transcript-stop"], rest.Select(e => e.Type));
        Assert.Equal(" 16000 samples", rest[0].Text);
        Assert.Equal("heard 16000 samples", rest[1].Text);
        Assert.Equal(first.Text + rest[0].Text, rest[1].Text); // the chunks add up to the transcript
        Assert.Equal("en", rest[1].Data["language"]!.GetValue<string>());
    }

    [Fact]
    public async Task SeveralRequestsOnOneConnection_EachAnswered_NoCommandKept()
    {
        await using var engine = new SteppedEngine();
        await using var server = await StartAsync(engine);
        await using var client = await ConnectAsync(server);
        engine.Step(3);

        var texts = new List<string?>();
        foreach (var seconds in new[] { 1.0, 2.0, 0.5 })
        {
            await client.SendCommandAsync(Seconds(seconds));
            texts.Add((await client.ReadUntilAsync("transcript-stop")).Single(e => e.Type == "transcript").Text);
        }

        await client.SendAsync("ping", new { text = "still there?" });
        Assert.Equal("pong", (await client.ReadAsync())!.Type);
        Assert.Equal(["heard 16000 samples", "heard 32000 samples", "heard 8000 samples"], texts);
        Assert.Equal(3, server.Server.Speech!.Counters.Transcripts);
        var (_, token) = await server.CreateUserAsync("admin@example.com", admin: true);
        using var admin = server.ClientWithToken(token);
        var metrics = await MetricsScrape.ReadAsync(admin);
        Assert.Equal(3, metrics["friendlite_voice_commands_total"]);
        Assert.Equal(3, metrics["friendlite_voice_command_seconds_count"]);
        Assert.Equal(1, metrics["friendlite_wyoming_connections"]);
        Assert.Equal(0, metrics["friendlite_wyoming_errors_total"]);
        using var health = System.Text.Json.JsonDocument.Parse(await server.Client.GetStringAsync("/health"));
        var wyoming = health.RootElement.GetProperty("components").GetProperty("wyoming");
        Assert.Equal("ok", wyoming.GetProperty("status").GetString());
        Assert.Equal($"Home Assistant's speech-to-text on {server.Server.Speech.EndPoint}: 1 connected, 3 voice commands transcribed", wyoming.GetProperty("detail").GetString());
        // Voice commands are not kept by default: no conversation, no WAV.
        Assert.Empty(await new ConversationStore(server.Server.Database).ListAsync(null, 100, default));
        Assert.Empty(Directory.EnumerateFiles(server.DataDirectory.Path, "*.wav", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task AudioStopWithoutAudio_AnEmptyTranscript()
    {
        await using var engine = new SteppedEngine();
        await using var server = await StartAsync(engine);
        await using var client = await ConnectAsync(server);

        await client.SendAsync("transcribe", new { language = "en" });
        await client.SendAsync("audio-start", new { rate = 16000, width = 2, channels = 1 });
        await client.SendAsync("audio-stop");

        var events = await client.ReadUntilAsync("transcript-stop");
        Assert.Equal("", events.Single(e => e.Type == "transcript").Text);
        Assert.Empty(engine.Runs);
    }

    [Theory]
    [InlineData(48000, 2, 2)]
    [InlineData(22050, 2, 1)]
    [InlineData(44100, 3, 1)]
    [InlineData(8000, 1, 1)]
    public async Task AudioInAnyFormat_ReachesTheEngineAsSixteenKilohertzMono(int rate, int width, int channels)
    {
        await using var engine = new SteppedEngine();
        await using var server = await StartAsync(engine);
        await using var client = await ConnectAsync(server);
        engine.Step();
        var format = new AudioFormat(rate, width, channels);
        var frames = rate * 2; // two seconds
        var pcm = Tone(format, frames);

        await client.SendAsync("transcribe", new { language = "en" });
        await client.SendAsync("audio-start", new { rate, width, channels });
        for (var offset = 0; offset < pcm.Length; offset += format.BytesPerFrame * 1000)
        {
            await client.SendAsync("audio-chunk", new { rate, width, channels }, pcm[offset..Math.Min(pcm.Length, offset + (format.BytesPerFrame * 1000))]);
        }

        await client.SendAsync("audio-stop");
        await client.ReadUntilAsync("transcript-stop");

        var run = Assert.Single(engine.Runs);
        Assert.InRange(run.Samples, 32000 * 0.99, 32000 * 1.01);
    }

    [Fact]
    public async Task ALanguageTheModelCannotTranscribe_AnErrorAndTheConnectionGoesOn()
    {
        await using var engine = new SteppedEngine();
        await using var server = await StartAsync(engine);
        await using var client = await ConnectAsync(server);
        engine.Step();

        await client.SendCommandAsync(Seconds(1), language: "de");
        var refused = await client.ReadUntilAsync("error");
        await client.SendCommandAsync(Seconds(1), language: "en-US");
        var answered = await client.ReadUntilAsync("transcript-stop");

        Assert.Equal("unsupported-language", refused[^1].Data["code"]!.GetValue<string>());
        Assert.Contains("cannot transcribe 'de'", refused[^1].Text, StringComparison.Ordinal);
        Assert.Equal("en", answered.Single(e => e.Type == "transcript").Data["language"]!.GetValue<string>());
        Assert.Equal([(16000, "en")], engine.Runs); // the refused command never reached the engine
    }

    [Fact]
    public async Task ACommand_GoesBeforeADevicesQueuedSegmentsAndTheBacklog()
    {
        await using var engine = new SteppedEngine();
        await using var server = await StartAsync(engine);
        var scheduler = server.Server.Scheduler!;
        // Three backlog jobs of one second each, of a conversation recorded earlier: the worker takes the first and is held there ...
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        var wav = Path.Combine(server.DataDirectory.Path, "backlog.wav");
        WavFile.Write(wav, Seconds(3));
        var conversations = new ConversationStore(server.Server.Database);
        await conversations.CreateAsync(new ConversationRow("earlier", ann.Id, "pendant", DateTimeOffset.UtcNow, null, wav, 16000, 48000, "open"), default);
        await conversations.CloseAsync("earlier", DateTimeOffset.UtcNow, 48000, "closed", default);
        var jobs = new JobStore(server.Server.Database, TimeProvider.System);
        for (var i = 0; i < 3; i++)
        {
            await jobs.EnqueueAsync(TranscriptionScheduler.JobKind, new TranscriptionRequest("earlier", wav, i * 16000, (i + 1) * 16000, "speaker_x").ToJobPayload(), default);
        }

        await WaitUntilAsync(() => scheduler.Running == 1, "the worker to take the first backlog job");
        // ... while a device's three utterances wait in the live queue.
        await using var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token);
        await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
        await device.SendPcmAsync(Fixtures.Samples("conversation-3utt.wav"), AudioFormat.Speech);
        await device.SendEventAsync(WyomingEvent.AudioStop);
        await WaitUntilAsync(() => scheduler.Queued == 3, "three queued segments");

        await using var client = await ConnectAsync(server);
        await client.SendCommandAsync(Seconds(2.5));
        await WaitUntilAsync(() => scheduler.CommandsWaiting == 1, "the command to wait for the worker");
        engine.Step(); // the backlog job the worker held finishes: the command is next
        await WaitUntilAsync(() => engine.Runs.Count == 2, "the worker's next run");

        Assert.Equal(40000, engine.Runs[1].Samples); // the command, not a queued segment or job,
        Assert.Equal(3, scheduler.Queued); // while the device's segments still wait, ...
        Assert.Equal(2, (await jobs.ListAsync("pending", TranscriptionScheduler.JobKind, 100, default)).Count(j => j.ConversationId == "earlier")); // ... and two backlog jobs
        engine.Step();
        var transcript = (await client.ReadUntilAsync("transcript-stop")).Single(e => e.Type == "transcript");
        Assert.Equal("heard 40000 samples", transcript.Text);
        engine.Step(10);
    }

    [Fact]
    public async Task Store_KeepsEachCommandAsAConversationOfTheFirstAdministrator()
    {
        await using var engine = new SteppedEngine();
        await using var server = await StartAsync(engine, speech: o => o with { Store = true });
        var (admin, _) = await server.CreateUserAsync("admin@example.com", admin: true);
        await server.CreateUserAsync("bob@example.com");
        await using var client = await ConnectAsync(server);
        engine.Step();

        await client.SendCommandAsync(Seconds(2));
        await client.ReadUntilAsync("transcript-stop");

        var conversation = (await ClosedConversationsAsync(server, admin.Id, 1)).Single();
        Assert.Equal(CommandArchive.ClientId, conversation.ClientId);
        Assert.Equal(32000, conversation.SampleCount);
        Assert.Equal(Seconds(2), WavFile.Read(conversation.AudioPath!).Samples);
        var row = Assert.Single(await new TranscriptStore(server.Server.Database).ListAsync(conversation.Id, default));
        Assert.Equal("heard 32000 samples", row.Text);
    }

    /// <summary>A 440 Hz tone at a third of full scale, <paramref name="frames"/> frames of <paramref name="format"/>.</summary>
    private static byte[] Tone(AudioFormat format, int frames)
    {
        var pcm = new byte[frames * format.BytesPerFrame];
        for (var frame = 0; frame < frames; frame++)
        {
            var value = Math.Sin(2 * Math.PI * 440 * frame / format.Rate) / 3;
            for (var channel = 0; channel < format.Channels; channel++)
            {
                var at = ((frame * format.Channels) + channel) * format.Width;
                var scaled = (long)(value * ((1L << ((8 * format.Width) - 1)) - 1));
                if (format.Width == 1)
                {
                    pcm[at] = (byte)(scaled + 128);
                    continue;
                }

                for (var b = 0; b < format.Width; b++)
                {
                    pcm[at + b] = (byte)(scaled >> (8 * b));
                }
            }
        }

        return pcm;
    }
}
