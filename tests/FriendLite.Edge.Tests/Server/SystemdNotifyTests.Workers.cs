using System.Text.Json;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Tests.Server;

/// <summary>The watchdog watches the workers too: WATCHDOG=1 only while a worker with work makes progress.</summary>
public sealed partial class SystemdNotifyTests
{
    private static bool IsWatchdog(string message) => message.StartsWith("WATCHDOG=1\n", StringComparison.Ordinal);

    [Fact]
    public async Task Watchdog_ATranscriberHoldsASegmentWithoutProgress_IsWithheldUntilItProgresses()
    {
        using var systemd = new NotifySocket();
        var engine = new GatedEngine();
        var lines = new LogLines(LogLevel.Info);
        await using var server = await TestServer.StartAsync(log: lines.Log, configure: o => o with
        {
            NotifySocket = systemd.Address,
            WatchdogTimeout = TimeSpan.FromMilliseconds(200),
            WatchdogProbe = _ => Task.FromResult(true),
            WorkerStallTimeout = TimeSpan.FromMilliseconds(500),
            Engine = () => engine,
        });
        var (_, token) = await server.CreateUserAsync("ann@example.com");
        await systemd.UntilAsync(IsWatchdog);

        await using var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token);
        await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
        await device.SendPcmAsync(Fixtures.Samples("conversation-3utt.wav"), AudioFormat.Speech);
        await engine.Started.WaitAsync(TimeSpan.FromSeconds(10));
        // Stuck: beats keep coming with the status, without WATCHDOG=1.
        await systemd.UntilAsync(m => !IsWatchdog(m) && m.StartsWith("STATUS=", StringComparison.Ordinal));
        var whileStuck = new List<string?> { await systemd.ReceiveAsync(TimeSpan.FromSeconds(1)), await systemd.ReceiveAsync(TimeSpan.FromSeconds(1)) };
        using var health = JsonDocument.Parse(await server.Client.GetStringAsync("/health"));
        engine.Release();
        await systemd.UntilAsync(IsWatchdog);

        Assert.All(whileStuck, m => Assert.StartsWith("STATUS=", m, StringComparison.Ordinal));
        Assert.Equal("degraded", health.RootElement.GetProperty("status").GetString());
        var workers = health.RootElement.GetProperty("components").GetProperty("workers");
        Assert.Equal("stuck", workers.GetProperty("status").GetString());
        Assert.StartsWith("transcriber 1 has made no progress for ", workers.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single(lines.Lines, l => l.StartsWith("warn workers: transcriber 1 has held its work for ", StringComparison.Ordinal));
        Assert.Contains(lines.Lines, l => l.StartsWith("info workers: transcriber 1 makes progress again", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watchdog_ALongRunThatReportsProgress_IsNotStuck()
    {
        using var systemd = new NotifySocket();
        var engine = new GatedEngine(progressEvery: TimeSpan.FromMilliseconds(50));
        var lines = new LogLines(LogLevel.Warn);
        await using var server = await TestServer.StartAsync(log: lines.Log, configure: o => o with
        {
            NotifySocket = systemd.Address,
            WatchdogTimeout = TimeSpan.FromMilliseconds(200),
            WatchdogProbe = _ => Task.FromResult(true),
            WorkerStallTimeout = TimeSpan.FromMilliseconds(500),
            Engine = () => engine,
        });
        var (_, token) = await server.CreateUserAsync("ann@example.com");
        await using var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token);
        await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
        await device.SendPcmAsync(Fixtures.Samples("conversation-3utt.wav"), AudioFormat.Speech);
        await engine.Started.WaitAsync(TimeSpan.FromSeconds(10));
        await systemd.UntilAsync(IsWatchdog);

        // Ten beats (1 s, twice the bound) of a run that never ends but keeps reporting progress.
        var beats = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            beats.Add((await systemd.UntilAsync(m => m.Contains("STATUS=", StringComparison.Ordinal)))[^1]);
        }

        engine.Release();

        Assert.All(beats, m => Assert.True(IsWatchdog(m), m));
        Assert.True(engine.ProgressReports > 10);
        Assert.DoesNotContain(lines.Lines, l => l.Contains("workers:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watchdog_IdleWorkersWithAShortBound_AreNeverStuck()
    {
        using var systemd = new NotifySocket();
        await using var server = await TestServer.StartAsync(configure: o => o with
        {
            NotifySocket = systemd.Address,
            WatchdogTimeout = TimeSpan.FromMilliseconds(100),
            WatchdogProbe = _ => Task.FromResult(true),
            WorkerStallTimeout = TimeSpan.FromMilliseconds(50),
            Engine = () => new GatedEngine(),
            ExtractionPollInterval = TimeSpan.FromMilliseconds(20),
        });
        await systemd.UntilAsync(IsWatchdog);

        var beats = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            beats.Add((await systemd.UntilAsync(m => m.Contains("STATUS=", StringComparison.Ordinal)))[^1]);
        }

        using var health = JsonDocument.Parse(await server.Client.GetStringAsync("/health"));

        Assert.All(beats, m => Assert.True(IsWatchdog(m), m));
        Assert.Equal("ok", health.RootElement.GetProperty("components").GetProperty("workers").GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("10s", "must be between 30s and 1d")]
    [InlineData("soon", "is not a duration")]
    public async Task Serve_WorkerStallTimeoutOutOfRange_ExitsTwoSayingWhy(string value, string why)
    {
        var (code, _, error) = await CliRunner.RunRootAsync(["serve", "--worker-stall-timeout", value]);

        Assert.Equal(2, code);
        Assert.Contains($"--worker-stall-timeout '{value}' {why}", error, StringComparison.Ordinal);
    }
}
