using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Wyoming;
using static FriendLite.Edge.Tests.Support.DeviceSupport;

namespace FriendLite.Edge.Tests.Sessions;

/// <summary>
/// <c>--min-free-disk</c>: below the floor recording pauses (new devices refused, open sessions
/// ended with what they stored kept), <c>/health</c> says why, and it resumes when space is back.
/// The free space comes from an injected probe the test sets; the watcher reads it every 20 ms.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class FreeSpaceTests
{
    private const long GiB = 1L << 30;

    [Fact]
    public async Task FreeSpaceFallsBelowTheFloor_OpenSessionEnds1011WithItsAudio_NewDevicesGet507_HealthSaysWhy_ThenItResumes()
    {
        var free = 50 * GiB;
        var lines = new LogLines(LogLevel.Info);
        await using var server = await TestServer.StartAsync(log: lines.Log, configure: o => o with
        {
            MinFreeDisk = MinFreeDisk.Default,
            FreeSpace = _ => new DiskUsage(Interlocked.Read(ref free), 100 * GiB),
            DiskCheckInterval = TimeSpan.FromMilliseconds(20),
        });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var baseline = Invariants.Take();
        var samples = Fixtures.Samples("jfk.wav");

        var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token, "omi");
        await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
        await device.SendPcmAsync(samples, AudioFormat.Speech);
        await WaitUntilAsync(() => server.Server.Sessions.List(null).Single().Session?.Recorder.PacketsDecoded == samples.Length / 320, "every chunk to be stored");

        Interlocked.Exchange(ref free, 900L << 20); // 900 MiB: under the default 1 GiB
        var (status, reason) = await device.WaitForCloseAsync();
        Assert.Equal(WebSocketCloseStatus.InternalServerError, status);
        Assert.Equal("the server's disk is almost full", reason);
        await device.DisposeAsync();
        var stored = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        Assert.Equal(samples, WavFile.Read(stored.AudioPath!).Samples);
        Assert.Equal(samples.Length, stored.SampleCount);

        var refused = await Assert.ThrowsAsync<UpgradeRefused>(() => DeviceClient.ConnectAsync(server, "/ws_pcm", token, "omi"));
        Assert.Equal(HttpStatusCode.InsufficientStorage, refused.Status);
        using (var health = await HealthAsync(server))
        {
            var root = health.RootElement;
            Assert.Equal("degraded", root.GetProperty("status").GetString());
            var disk = root.GetProperty("components").GetProperty("disk");
            Assert.Equal("degraded", disk.GetProperty("status").GetString());
            Assert.Equal("recording paused: 900 MiB free, below the 1024 MiB kept free (--min-free-disk)", disk.GetProperty("detail").GetString());
            var limits = root.GetProperty("limits");
            Assert.True(limits.GetProperty("recording_paused").GetBoolean());
            Assert.Equal(900L << 20, limits.GetProperty("disk_free_bytes").GetInt64());
            Assert.Equal(GiB, limits.GetProperty("min_free_disk_bytes").GetInt64());
            Assert.Equal(1, limits.GetProperty("sessions_closed_low_disk").GetInt64());
            Assert.Equal(1, limits.GetProperty("sessions_refused_low_disk").GetInt64());
        }

        Assert.Contains(lines.Lines, l => l.StartsWith("warn disk: free space below --min-free-disk", StringComparison.Ordinal));
        Assert.Contains(lines.Lines, l => l.Contains("closing: the server's disk is almost full", StringComparison.Ordinal));
        Assert.Contains(lines.Lines, l => l.Contains("refused status=507", StringComparison.Ordinal));

        // Space is back: recording resumes on its own.
        Interlocked.Exchange(ref free, 2 * GiB);
        await WaitUntilAsync(() => !server.Server.Disk.IsLow, "recording to resume");
        await StreamPcmAsync(server, token, samples);
        var next = (await ClosedConversationsAsync(server, user.Id, 2)).Single(c => c.Id != stored.Id);
        Assert.Equal(samples, WavFile.Read(next.AudioPath!).Samples);
        using (var health = await HealthAsync(server))
        {
            Assert.Equal("ok", health.RootElement.GetProperty("status").GetString());
        }

        Assert.False(server.Server.Faulted.IsCancellationRequested);
        await Invariants.AssertBackToAsync(baseline, server);
    }

    [Fact]
    public async Task ServerStartsBelowAPercentageFloor_TheFirstDeviceIsRefused507()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with
        {
            MinFreeDisk = MinFreeDisk.Parse("5%"),
            FreeSpace = _ => new DiskUsage(4 * GiB, 100 * GiB),
            DiskCheckInterval = TimeSpan.FromHours(1), // only the check at start
        });
        var (_, token) = await server.CreateUserAsync("ann@example.com");

        var refused = await Assert.ThrowsAsync<UpgradeRefused>(() => DeviceClient.ConnectAsync(server, "/ws_omi", token));
        Assert.Equal(HttpStatusCode.InsufficientStorage, refused.Status);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/health")).StatusCode);
        Assert.Equal(0, server.Server.Sessions.Count);
    }

    [Fact]
    public async Task TheProbeFails_TheWatcherLogsItAndKeepsWatching()
    {
        var calls = 0;
        var lines = new LogLines(LogLevel.Warn);
        await using var server = await TestServer.StartAsync(log: lines.Log, configure: o => o with
        {
            MinFreeDisk = MinFreeDisk.Default,
            FreeSpace = _ => Interlocked.Increment(ref calls) is > 1 and <= 5
                ? throw new IOException("Input/output error")
                : new DiskUsage(Volatile.Read(ref calls) > 5 ? 100L << 20 : 50 * GiB, 100 * GiB),
            DiskCheckInterval = TimeSpan.FromMilliseconds(20),
        });

        await WaitUntilAsync(() => server.Server.Disk.IsLow, "the watcher to see the low disk after its failures");
        Assert.Single(lines.Lines, l => l.StartsWith("warn disk: could not read the free space", StringComparison.Ordinal) && l.Contains("Input/output error", StringComparison.Ordinal));
        Assert.False(server.Server.Faulted.IsCancellationRequested);
        Assert.Contains(server.Server.Snapshot().Children, c => c.Name == "disk-watcher");
    }

    [Fact]
    public async Task RealFileSystem_OnASmallTmpfs_FillingItBelowTheFloorPausesRecording_FreeingItResumes()
    {
        if (Environment.UserName != "root")
        {
            return; // a 4 MB file system needs a mount; the injected probe above covers the rest
        }

        using var dir = new TempDirectory();
        Assert.True(SessionFaultTests.Mount(dir.Path), "as root the test mounts a 4 MB tmpfs");
        try
        {
            await using var server = await TestServer.StartAsync(dataDirectory: dir, configure: o => o with
            {
                MinFreeDisk = MinFreeDisk.Parse("2M"),
                DiskCheckInterval = TimeSpan.FromMilliseconds(20),
            });
            server.KeepDataDirectory = true;
            var (user, token) = await server.CreateUserAsync("ann@example.com");
            var samples = Fixtures.Samples("jfk.wav");
            Assert.False(server.Server.Disk.IsLow);

            var filler = Path.Combine(dir.Path, "filler");
            SessionFaultTests.FillLeaving(filler, dir.Path, 1024 * 1024);
            await WaitUntilAsync(() => server.Server.Disk.IsLow, "the watcher to see less than 2 MiB free");
            var refused = await Assert.ThrowsAsync<UpgradeRefused>(() => DeviceClient.ConnectAsync(server, "/ws_pcm", token));
            Assert.Equal(HttpStatusCode.InsufficientStorage, refused.Status);

            File.Delete(filler);
            await WaitUntilAsync(() => !server.Server.Disk.IsLow, "recording to resume");
            await StreamPcmAsync(server, token, samples);
            var stored = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
            Assert.Equal(samples, WavFile.Read(stored.AudioPath!).Samples);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            System.Diagnostics.Process.Start("umount", ["-l", dir.Path])!.WaitForExit();
        }
    }

    /// <summary>GET /health on a connection closed after it, so no idle keep-alive connection counts against the invariants.</summary>
    internal static async Task<JsonDocument> HealthAsync(TestServer server)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.ConnectionClose = true;
        using var response = await server.Client.SendAsync(request);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }
}
