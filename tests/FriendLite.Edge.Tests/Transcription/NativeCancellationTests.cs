using System.Globalization;
using static FriendLite.Edge.Tests.Support.DeviceSupport;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Transcription;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Tests.Transcription;

/// <summary>
/// SCENARIOS row 23 with the real Whisper engine and a real-size model. Production decoding
/// (temperature fallback on): a random-weight model's segment takes seconds, so a cancel lands
/// inside whisper_full. Whoever cancels the run awaits it: a session cancelled by shutdown ends only
/// after the join; a device that left has handed its segments to the server, whose drain (and stop)
/// awaits it; either way the model is released after the last processor.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class NativeCancellationTests(SynthesizedModel model) : IClassFixture<SynthesizedModel>
{
    [Fact]
    public async Task Row23_ShutDownAtOnceDuringWhisperFull_SessionEndsAfterTheJoinAndTheModelIsReleasedLast()
    {
        // The device is still connected when the server stops: its session is cancelled, so it
        // cancels its running segment itself and ends only once the native run has stopped.
        var lines = new LogLines();
        var server = await StartAsync(lines);
        try
        {
            var (_, token) = await server.CreateUserAsync("ann@example.com");
            await using var device = await StreamDuringWhisperFullAsync(server, token);
            var closed = device.WaitForCloseAsync(); // the device answers the server's 1001 at once
            await server.DisposeAsync();
            Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable, (await closed).Status);
        }
        finally
        {
            await server.DisposeAsync();
        }

        var log = lines.Lines.ToList();
        var joined = log.FindIndex(l => l.Contains("cancelled run joined: processor disposed", StringComparison.Ordinal));
        var ended = log.FindIndex(l => l.Contains("session: disconnected", StringComparison.Ordinal));
        var released = log.FindIndex(l => l.Contains("model released after every processor", StringComparison.Ordinal));
        Assert.True(joined >= 0, "the running segment was cancelled and its processor disposed:\n" + string.Join('\n', log));
        Assert.True(ended > joined, "the session ended only after the native run had stopped:\n" + string.Join('\n', log));
        Assert.True(released > joined, "the model was released after the last processor:\n" + string.Join('\n', log));
        Assert.DoesNotContain(log, l => l.Contains("shutdown did not finish", StringComparison.Ordinal)); // within the 5 s shutdown timeout
        AssertCpuBackToIdle(await MeasureCpuAsync());
    }

    [Fact]
    public async Task Row23_DisconnectDuringWhisperFull_ThenShutDownAtOnce_TheServerJoinsTheRunBeforeReleasingTheModel()
    {
        // The device leaves first: its session ends at once and hands its segments to the server,
        // whose drain (timeout 0 here) cancels the running one; the stop awaits that join.
        var lines = new LogLines();
        var server = await StartAsync(lines);
        try
        {
            await DisconnectDuringWhisperFullAsync(server);
        }
        finally
        {
            await server.DisposeAsync(); // at once: the device is gone and the server stops
        }

        var log = lines.Lines.ToList();
        var handed = log.FindIndex(l => l.Contains("session: speech still in transcription handed to the server", StringComparison.Ordinal));
        var joined = log.FindIndex(l => l.Contains("cancelled run joined: processor disposed", StringComparison.Ordinal));
        var released = log.FindIndex(l => l.Contains("model released after every processor", StringComparison.Ordinal));
        Assert.True(handed >= 0, "the session handed its segments to the server:\n" + string.Join('\n', log));
        Assert.True(joined > handed, "the running segment was cancelled and its processor disposed:\n" + string.Join('\n', log));
        Assert.True(released > joined, "the model was released after the last processor:\n" + string.Join('\n', log));
        Assert.DoesNotContain(log, l => l.Contains("shutdown did not finish", StringComparison.Ordinal)); // within the 5 s shutdown timeout
        AssertCpuBackToIdle(await MeasureCpuAsync());
    }

    [Fact]
    public async Task CancelDuringWhisperFull_DeviceReleasedAtOnce_ServerJoinsTheRunGoesOnAndTheSegmentIsTranscribedLater()
    {
        var lines = new LogLines();
        await using var server = await StartAsync(lines);
        var userId = await DisconnectDuringWhisperFullAsync(server);

        await WaitForNoSessionsAsync(server);
        await lines.WaitForAsync("info session: disconnected");
        await lines.WaitForAsync("info transcription: transcription drain timed out"); // at once: --drain-timeout 0
        await lines.WaitForAsync("debug transcription: cancelled run joined");

        // The server goes on: the cancelled segment (and any that had not started) come back as
        // jobs, and every utterance ends up with its transcript row (seconds each on this model,
        // many more on a loaded machine).
        var conversation = Assert.Single(await ClosedConversationsAsync(server, userId, 1));
        var rows = await TranscriptRowsAsync(server, conversation.Id, 3, TimeSpan.FromMinutes(3));
        Assert.Equal(3, rows.Count);
    }

    [Fact]
    public async Task Worker_CancelledMidRun_ReturnsOnlyAfterTheNativeRunEndedAndTheNextRequestGetsAFreshProcessor()
    {
        // 220 s of speech on a real-cost model: eight windows, many seconds of work, so the cancel
        // after 150 ms lands inside whisper_full. (The fixtures' weightless test model once decoded
        // two windows in under 150 ms on a CI machine: its cost depends on what its memory holds.)
        var jfk = WavFile.ReadSpeech(Fixtures.Path("jfk.wav"));
        var samples = SampleConversion.ToFloat([.. Enumerable.Repeat(jfk, 20).SelectMany(s => s)]);
        var engine = WhisperEngine.Load(model.Path, new WhisperSettings(2, TemperatureFallback: false));
        var worker = engine.CreateWorker();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => worker.TranscribeAsync(samples, cancel.Token));
        var cancelledAfter = clock.Elapsed;
        var again = await worker.TranscribeAsync(samples.AsMemory(0, 16000), CancellationToken.None); // a fresh processor
        await worker.DisposeAsync();
        await engine.DisposeAsync();

        Assert.True(cancelledAfter < TimeSpan.FromSeconds(30), $"cancellation took {cancelledAfter}");
        Assert.NotEmpty(again); // the synthesized model's noise text: the fresh processor really ran
        Assert.All(again, s => Assert.InRange(s.End, s.Start, 1.0)); // within the one second it was given
    }

    private Task<TestServer> StartAsync(LogLines lines) =>
        TestServer.StartAsync(log: lines.Log, configure: o => o with { ModelPath = model.Path, Threads = 2, DrainTimeout = TimeSpan.Zero });

    /// <summary>A device sends three utterances and leaves while the first is inside whisper_full; returns its user's id.</summary>
    private static async Task<string> DisconnectDuringWhisperFullAsync(TestServer server)
    {
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        await using var device = await StreamDuringWhisperFullAsync(server, token);
        await device.CloseAsync();
        return user.Id;
    }

    /// <summary>A device that has sent three utterances, connected while the first is inside whisper_full.</summary>
    private static async Task<DeviceClient> StreamDuringWhisperFullAsync(TestServer server, string token)
    {
        var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token);
        await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
        await device.SendPcmAsync(Fixtures.Samples("conversation-3utt.wav"), AudioFormat.Speech);
        await WaitUntilAsync(() => server.Server.Scheduler!.Running == 1, "whisper_full to be running");
        return device;
    }

    /// <summary>
    /// CPU used by the process's threads over one second, in cores. The runtime's tiered JIT compiler
    /// may still be promoting hot methods in the background; it is not counted.
    /// </summary>
    private static async Task<(double Cores, string Busiest)> MeasureCpuAsync()
    {
        var before = ThreadTicks();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(1000);
        var after = ThreadTicks();
        var used = after.Select(t => (Thread: t.Key, Ticks: t.Value - before.GetValueOrDefault(t.Key))).OrderByDescending(t => t.Ticks).ToList();
        var busy = used.Where(t => !t.Thread.EndsWith(":.NET Tiered Com", StringComparison.Ordinal)).Sum(t => t.Ticks) / ClockTicksPerSecond / clock.Elapsed.TotalSeconds;
        return (busy, string.Join(", ", used.Take(5).Select(t => $"{t.Thread}={t.Ticks}")));
    }

    /// <summary>No whisper thread still spinning or computing after the server stopped.</summary>
    private static void AssertCpuBackToIdle((double Cores, string Busiest) cpu) =>
        Assert.True(cpu.Cores < 0.3, $"the process still used {cpu.Cores:0.00} cores after the server stopped: {cpu.Busiest}");

    /// <summary>Linux's USER_HZ, the unit of the per-thread CPU times in /proc.</summary>
    private const double ClockTicksPerSecond = 100;

    /// <summary>CPU time (user + system, in clock ticks) of each thread of this process, keyed "tid:name".</summary>
    private static Dictionary<string, long> ThreadTicks()
    {
        var result = new Dictionary<string, long>();
        foreach (var dir in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var name = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                result[$"{Path.GetFileName(dir)}:{name}"] = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
            }
        }

        return result;
    }
}
