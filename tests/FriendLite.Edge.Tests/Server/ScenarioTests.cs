using System.Diagnostics;
using System.Globalization;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Audio;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Transcription;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Tests.Server;

/// <summary>SCENARIOS.md rows about the server as a whole, each followed by the invariants once the server is gone.</summary>
[Collection(SerialTests.Name)]
public sealed class ScenarioTests
{
    [Fact]
    public async Task Row18_StopWhile20DevicesStreamWithABacklog_InTimeNothingLostCountsBackToBaseline()
    {
        const int devices = 20;
        using var dir = new TempDirectory();
        var samples = Fixtures.Samples("conversation-3utt.wav");
        var lines = new LogLines(LogLevel.Info);
        var baseline = Invariants.Take();
        var server = await TestServer.StartAsync(dataDirectory: dir, log: lines.Log, shutdownTimeout: TimeSpan.FromSeconds(10), configure: o => o with
        {
            Engine = () => new SlowEngine(TimeSpan.FromMilliseconds(300)),
            TranscriptionQueue = 4,
        });
        server.KeepDataDirectory = true;
        var connected = new List<DeviceClient>();
        bool clean;
        var clock = new Stopwatch();
        string userId;
        try
        {
            var (user, token) = await server.CreateUserAsync("ann@example.com");
            userId = user.Id;
            for (var i = 0; i < devices; i++)
            {
                connected.Add(await DeviceClient.ConnectAsync(server, "/ws_pcm", token, $"pendant-{i}"));
            }

            // Every device streams its 17 s as fast as it can and stays connected: the stop comes mid-stream,
            // with segments queued for an engine that takes 300 ms each.
            var streams = connected.Select(async d =>
            {
                await d.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
                await d.SendPcmAsync(samples, AudioFormat.Speech);
            }).ToList();
            await DeviceSupport.WaitUntilAsync(() => server.Server.Scheduler!.Queued >= 4, "a transcription backlog");
            clock.Start();
            clean = await server.Server.StopAsync();
            clock.Stop();
            await Task.WhenAll(streams.Select(s => Task.WhenAny(s, Task.Delay(TimeSpan.FromSeconds(5)))));
        }
        finally
        {
            foreach (var device in connected)
            {
                await device.DisposeAsync();
            }

            await server.DisposeAsync();
        }

        Assert.True(clean && clock.Elapsed < TimeSpan.FromSeconds(10), $"stopped cleanly in {clock.Elapsed}");
        var database = Database.Open(dir.Path);
        var conversations = await DeviceSupport.ConversationsAsync(server, userId);
        Assert.Equal(devices, conversations.Count);
        var framesByClient = lines.Lines.Where(l => l.StartsWith("info session: disconnected", StringComparison.Ordinal))
            .ToDictionary(l => LogLines.Field(l, "client"), l => long.Parse(LogLines.Field(l, "frames"), CultureInfo.InvariantCulture));
        var transcripts = new TranscriptStore(database);
        var jobs = new JobStore(database, TimeProvider.System);
        var pendingJobs = await jobs.ListAsync("pending", TranscriptionScheduler.JobKind, 10_000, default);
        foreach (var conversation in conversations)
        {
            // Every PCM chunk the server read (a header and a payload frame each, after audio-start) is in the WAV ...
            Assert.Equal("closed", conversation.State);
            Assert.Equal(Math.Min((framesByClient[conversation.ClientId] - 1) / 2 * 320, samples.Length), conversation.SampleCount);
            var stored = WavFile.Read(conversation.AudioPath!).Samples;
            Assert.Equal(conversation.SampleCount, stored.Length);
            // ... and every segment of it is transcribed or waits as a job.
            var rows = (await transcripts.ListAsync(conversation.Id, default)).Count;
            var waiting = pendingJobs.Count(j => j.ConversationId == conversation.Id);
            Assert.Equal(EnergyVad.Detect(stored).Count, rows + waiting);
        }

        Assert.Equal(0, await jobs.CountAsync(TranscriptionScheduler.JobKind, "running", default));
        await Invariants.AssertProcessBackToAsync(baseline);
    }

    [Fact]
    public async Task Row10_TheTranscriberThrows_ErrorLoggedAndKeptAsJobs_SessionEndsNormally_CountsBackToBaseline()
    {
        var lines = new LogLines(LogLevel.Warn);
        await using var server = await TestServer.StartAsync(log: lines.Log, configure: o => o with { Engine = () => new ThrowingEngine() });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var samples = Fixtures.Samples("conversation-3utt.wav");
        await DeviceSupport.StreamPcmAsync(server, token, [.. samples[..16000]]); // warm-up: no speech, no segment
        await DeviceSupport.WaitForNoSessionsAsync(server);
        var baseline = Invariants.Take();

        await using (var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token))
        {
            await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
            await device.SendPcmAsync(samples, AudioFormat.Speech);
            await device.SendEventAsync(WyomingEvent.AudioStop);
            await device.CloseAsync();
            Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, device.Socket.CloseStatus);
        }

        // Loud: each failed segment is a warning with its reason, and a job that says why and counts the attempt.
        var conversation = (await DeviceSupport.ClosedConversationsAsync(server, user.Id, 2)).Last();
        var jobs = new JobStore(server.Server.Database, TimeProvider.System);
        var kept = await DeviceSupport.WaitForAsync(async () =>
        {
            var found = (await jobs.ListAsync(null, TranscriptionScheduler.JobKind, 100, default)).Where(j => j.ConversationId == conversation.Id).ToList();
            return found.Count == 3 && found.All(j => j.Attempts >= 1) ? found : null;
        }, "three failed segments kept as jobs");
        Assert.All(kept, j => Assert.Equal("injected engine fault", j.LastError));
        Assert.True(lines.Lines.Count(l => l.Contains("reason=\"injected engine fault\"", StringComparison.Ordinal) || l.Contains("reason=injected", StringComparison.Ordinal)) >= 3,
            string.Join('\n', lines.Lines));
        Assert.False(server.Server.Faulted.IsCancellationRequested);
        await Invariants.AssertBackToAsync(baseline, server);
    }

    [Fact]
    public async Task Row11_DatabaseLockedLongerThanItsBusyTimeoutAtClose_RetriedConversationClosedWithEverySample()
    {
        var lines = new LogLines(LogLevel.Warn);
        await using var server = await TestServer.StartAsync(log: lines.Log);
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        await DeviceSupport.StreamPcmAsync(server, token, new short[16000]); // warm-up
        await DeviceSupport.WaitForNoSessionsAsync(server);
        var baseline = Invariants.Take();
        var samples = Fixtures.Samples("jfk.wav");

        await using (var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token))
        {
            await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
            await device.SendPcmAsync(samples, AudioFormat.Speech);
            await DeviceSupport.WaitForAsync(async () => (await DeviceSupport.ConversationsAsync(server, user.Id)).Any(c => c.State == "open") ? "open" : null, "the conversation to open");

            // Another writer holds the database for 6 s, longer than the 5 s busy timeout, while the conversation closes.
            await using var holder = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(server.DataDirectory.Path, Database.FileName)};Pooling=False");
            await holder.OpenAsync();
            await using (var begin = holder.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE;";
                await begin.ExecuteNonQueryAsync();
            }

            await device.SendEventAsync(WyomingEvent.AudioStop);
            await Task.Delay(TimeSpan.FromSeconds(6));
            await using (var commit = holder.CreateCommand())
            {
                commit.CommandText = "COMMIT;";
                await commit.ExecuteNonQueryAsync();
            }

            await device.CloseAsync();
        }

        var conversation = (await DeviceSupport.ClosedConversationsAsync(server, user.Id, 2)).Last();
        Assert.Equal(samples.Length, conversation.SampleCount);
        Assert.Equal(samples, WavFile.Read(conversation.AudioPath!).Samples);
        Assert.DoesNotContain(lines.Lines, l => l.Contains("could not record conversation", StringComparison.Ordinal));
        await Invariants.AssertBackToAsync(baseline, server);
    }

    [Fact]
    public async Task Row14_AThousandSessionsChurned_ConnectionsDescriptorsAndThreadsBackToBaseline()
    {
        const int sessions = 1000;
        // One device sending 100 s of audio in seconds of wall time is over --max-realtime-factor
        // (RealtimeLimitTests); this row is about what churn leaves behind, so the limit is off.
        await using var server = await TestServer.StartAsync(configure: o => o with { MaxRealtimeFactor = 0 });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var chunk = Fixtures.Samples("jfk.wav")[..1600];
        await DeviceSupport.StreamPcmAsync(server, token, chunk); // warm-up: the first session opens the database's pool
        await DeviceSupport.WaitForNoSessionsAsync(server);
        var baseline = Invariants.Take();

        // Ten at a time, each a short conversation: connect, 100 ms of audio, audio-stop, close.
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= sessions)
            {
                await DeviceSupport.StreamPcmAsync(server, token, chunk);
            }
        }));

        await Invariants.AssertBackToAsync(baseline, server);
        var conversations = await DeviceSupport.ClosedConversationsAsync(server, user.Id, sessions + 1);
        Assert.Equal(sessions + 1, conversations.Count);
        Assert.All(conversations, c => Assert.Equal(chunk.Length, c.SampleCount));
    }

    [Fact]
    public async Task Row15_200SessionsStreamInRealTimeWhileWhisperTranscribes_HealthAnswersNothingLostCountsBack()
    {
        const int devices = 200;
        var model = Fixtures.Path("ggml-tiny.en-for-tests.bin");
        await using var server = await TestServer.StartAsync(configure: o => o with { ModelPath = model, Threads = 1, TranscriptionQueue = 8, Connections = o.Connections with { MaxConnectionsPerAddress = 1000 } });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var speech = Fixtures.Samples("jfk.wav")[..(5 * 16000)];
        await DeviceSupport.StreamPcmAsync(server, token, speech); // warm-up
        await DeviceSupport.WaitForNoSessionsAsync(server);
        var baseline = Invariants.Take();
        ThreadPool.GetMinThreads(out var minWorkers, out _);
        var poolBefore = ThreadPool.ThreadCount;

        // Every device sends 5 s of speech at its real pace (100 ms chunks every 100 ms) while one
        // Whisper worker transcribes what it can. Starvation is what a user would notice: /health
        // stalling, audio not stored. The pool's growth is printed (the devices share this process
        // and its 2 cores with the server, so the figure is not the server's alone).
        var connected = new List<DeviceClient>();
        for (var i = 0; i < devices; i++)
        {
            connected.Add(await DeviceClient.ConnectAsync(server, "/ws_pcm", token, $"pendant-{i}"));
        }

        var mostPoolThreads = poolBefore;
        var slowestHealth = TimeSpan.Zero;
        using var stop = new CancellationTokenSource();
        var probe = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var clock = Stopwatch.StartNew();
                using var answer = await server.Client.GetAsync("/health");
                Assert.Equal(System.Net.HttpStatusCode.OK, answer.StatusCode);
                slowestHealth = clock.Elapsed > slowestHealth ? clock.Elapsed : slowestHealth;
                mostPoolThreads = Math.Max(mostPoolThreads, ThreadPool.ThreadCount);
                await Task.Delay(100);
            }
        });
        await Task.WhenAll(connected.Select(async device =>
        {
            await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
            var pace = Stopwatch.StartNew();
            for (var offset = 0; offset < speech.Length; offset += 1600)
            {
                await device.SendEventAsync(WyomingEvent.AudioChunk, AudioFormat.Speech, AudioTests.Bytes(speech[offset..(offset + 1600)]));
                var due = TimeSpan.FromMilliseconds(((offset / 1600) + 1) * 100) - pace.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due);
                }
            }

            await device.SendEventAsync(WyomingEvent.AudioStop);
            await device.CloseAsync();
            await device.DisposeAsync();
        }));
        await stop.CancelAsync();
        await probe;

        var conversations = await DeviceSupport.ClosedConversationsAsync(server, user.Id, devices + 1);
        Assert.All(conversations, c => Assert.Equal(speech.Length, c.SampleCount));
        Assert.True(slowestHealth < TimeSpan.FromSeconds(5), $"/health took {slowestHealth} while devices streamed");
        await Invariants.AssertBackToAsync(baseline, server);
        Console.WriteLine($"row 15: pool threads {poolBefore} -> at most {mostPoolThreads} (minimum {minWorkers}), slowest /health {slowestHealth.TotalMilliseconds:F0} ms"); // after the counts: the console adds a thread and a pipe
    }

    /// <summary>An engine whose every run fails, as a broken model or a bug would.</summary>
    private sealed class ThrowingEngine : ITranscriptionEngine
    {
        public int Workers => 1;

        public string Status => "ok: throwing test engine";

        public ITranscriber CreateWorker() => new Worker();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private sealed class Worker : ITranscriber
        {
            public string Engine => "throwing";

            public string Model => "test";

            public Task<IReadOnlyList<TranscriptSegment>> TranscribeAsync(ReadOnlyMemory<float> samples, CancellationToken cancellationToken) =>
                throw new InvalidOperationException("injected engine fault");

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

}
