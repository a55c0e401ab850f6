using System.Net.WebSockets;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Wyoming;
using static FriendLite.Edge.Tests.Support.DeviceSupport;

namespace FriendLite.Edge.Tests.Sessions;

/// <summary>
/// Faults injected into one session's decoder and WAV writer (the server's <see cref="FaultHook"/>):
/// the fault stays in that session, which ends with a close that says why, keeps what it stored,
/// and leaves nothing behind; other devices and the server go on.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class SessionFaultTests
{
    private static readonly List<byte[]> Packets = Fixtures.OpusPackets("jfk-20ms.opuspackets");

    [Fact]
    public async Task DecoderBugWhileTheDeviceFloods_ItsSessionEnds1011_AnotherDeviceStreamsOn_CountsBackToBaseline()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with
        {
            Faults = (point, subject, count) =>
            {
                if (point == FaultPoint.Decode && subject.EndsWith("flood", StringComparison.Ordinal) && count == 40)
                {
                    throw new InvalidOperationException("injected decoder bug");
                }
            },
        });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var baseline = Invariants.Take();
        var samples = Fixtures.Samples("jfk.wav");

        // Five times jfk.wav as fast as TCP takes it: far more than the session's channel holds, so
        // the receive loop is waiting on a full channel when the pipeline fails.
        var flood = await DeviceClient.ConnectAsync(server, "/ws_omi", token, "flood");
        var sending = flood.SendOpusAsync([.. Packets, .. Packets, .. Packets, .. Packets, .. Packets]);
        var (status, reason) = await flood.WaitForCloseAsync(answer: false);
        Assert.Equal(WebSocketCloseStatus.InternalServerError, status);
        Assert.Equal("internal error", reason);
        await Task.WhenAny(sending, Task.Delay(TimeSpan.FromSeconds(10)));
        await flood.DisposeAsync();

        await StreamPcmAsync(server, token, samples);
        var conversations = await ClosedConversationsAsync(server, user.Id, 2);
        var broken = conversations.Single(c => c.ClientId.EndsWith("flood", StringComparison.Ordinal));
        Assert.Equal(40 * 320, broken.SampleCount); // every packet decoded before the fault is stored
        Assert.Equal(40 * 320, WavFile.Read(broken.AudioPath!).Samples.Length);
        var healthy = conversations.Single(c => c != broken);
        Assert.Equal(samples, WavFile.Read(healthy.AudioPath!).Samples);
        Assert.False(server.Server.Faulted.IsCancellationRequested);
        await Invariants.AssertBackToAsync(baseline, server);
    }

    [Fact]
    public async Task SlowDiskAndTheLargestPayloads_WhatTheSessionHoldsStaysUnderItsByteBudget_NothingLost()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with
        {
            Faults = (point, _, _) =>
            {
                if (point == FaultPoint.WavWrite)
                {
                    Thread.Sleep(5); // a slow SD card
                }
            },
        });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var format = new AudioFormat(48000, 2, 2);
        var second = new short[48000 * 2]; // 1 s of 48 kHz stereo: 192,000 bytes a chunk
        await using var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token);
        await device.SendEventAsync(WyomingEvent.AudioStart, format);

        // 60 such chunks as fast as TCP takes them: 11.5 MB, where 512 queued messages could hold 98 MB.
        var most = 0L;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                most = Math.Max(most, server.Server.Sessions.List(null).SingleOrDefault()?.Session?.QueuedBytes ?? 0);
                await Task.Delay(1);
            }
        });
        for (var i = 0; i < 60; i++)
        {
            await device.SendEventAsync(WyomingEvent.AudioChunk, format, new byte[second.Length * 2]);
        }

        await device.SendEventAsync(WyomingEvent.AudioStop);
        await device.CloseAsync();
        await stop.CancelAsync();
        await sampler;

        Assert.InRange(most, 192_000, (1024 * 1024) + 192_000);
        var conversation = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        Assert.InRange(conversation.SampleCount, (60 * 16000) - 64, 60 * 16000); // the 48-to-16 kHz filter keeps its last few samples
    }

    [Fact]
    public async Task DiskFullMidStream_DeviceToldInWords_StoredAudioKept_NextDeviceStreams()
    {
        var full = true;
        var lines = new LogLines(LogLevel.Warn);
        await using var server = await TestServer.StartAsync(log: lines.Log, configure: o => o with
        {
            Faults = (point, _, count) =>
            {
                if (point == FaultPoint.WavWrite && count >= 100 * 320 && Volatile.Read(ref full))
                {
                    throw new IOException("No space left on device", 28);
                }
            },
        });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var baseline = Invariants.Take();
        var samples = Fixtures.Samples("jfk.wav");

        var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token);
        await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
        var sending = device.SendPcmAsync(samples, AudioFormat.Speech);
        var (status, reason) = await device.WaitForCloseAsync(answer: false);
        Assert.Equal(WebSocketCloseStatus.InternalServerError, status);
        Assert.Equal("the server's disk is full", reason);
        await Task.WhenAny(sending, Task.Delay(TimeSpan.FromSeconds(10)));
        await device.DisposeAsync();

        var stored = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        Assert.Equal(100 * 320, stored.SampleCount);
        Assert.Equal(samples[..(100 * 320)], WavFile.Read(stored.AudioPath!).Samples);
        Assert.Contains(lines.Lines, l => l.Contains("the server's disk is full; closing the session", StringComparison.Ordinal));

        // Space is freed: the next session stores everything.
        Volatile.Write(ref full, false);
        await StreamPcmAsync(server, token, samples);
        var next = (await ClosedConversationsAsync(server, user.Id, 2)).Single(c => c.Id != stored.Id);
        Assert.Equal(samples, WavFile.Read(next.AudioPath!).Samples);
        await Invariants.AssertBackToAsync(baseline, server);
    }

    [Fact]
    public async Task RealDiskFull_OnASmallTmpfs_DeviceToldInWords_StoredPrefixReadable_ServerGoesOn()
    {
        using var dir = new TempDirectory();
        Assert.True(Environment.UserName != "root" || Mount(dir.Path), "as root the test mounts a 4 MB tmpfs");
        var mounted = Environment.UserName == "root";
        try
        {
            await using var server = await TestServer.StartAsync(dataDirectory: dir, configure: o => mounted ? o : o with
            {
                // Without root no tmpfs: the kernel's answer is injected instead.
                Faults = (point, _, count) =>
                {
                    if (point == FaultPoint.WavWrite && count >= 50 * 320 && File.Exists(Path.Combine(dir.Path, "filler")))
                    {
                        throw new IOException("No space left on device", 28);
                    }
                },
            });
            server.KeepDataDirectory = true;
            var (user, token) = await server.CreateUserAsync("ann@example.com");
            var samples = Fixtures.Samples("jfk.wav");
            var filler = Path.Combine(dir.Path, "filler");
            FillLeaving(filler, dir.Path, mounted ? 96 * 1024 : 0);

            var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token);
            await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
            var sending = device.SendPcmAsync(samples, AudioFormat.Speech);
            var (status, reason) = await device.WaitForCloseAsync(answer: false);
            Assert.Equal(WebSocketCloseStatus.InternalServerError, status);
            Assert.Equal("the server's disk is full", reason);
            await Task.WhenAny(sending, Task.Delay(TimeSpan.FromSeconds(10)));
            await device.DisposeAsync();
            await WaitForNoSessionsAsync(server);
            Assert.Equal(0, Invariants.Take().WavFds); // the handle is released although its buffer could not be flushed
            Assert.Equal(System.Net.HttpStatusCode.OK, (await server.Client.GetAsync("/health")).StatusCode);

            // The WAV's header counts every whole sample the disk took (none is hidden behind a stale
            // header), and they are a prefix of what was sent.
            var conversation = Assert.Single(await ConversationsAsync(server, user.Id));
            var stored = WavFile.Read(conversation.AudioPath!).Samples;
            Assert.Equal((new FileInfo(conversation.AudioPath!).Length - WavWriter.HeaderBytes) / 2, stored.Length);
            Assert.InRange(stored.Length, 320, samples.Length - 1);
            Assert.Equal(samples[..stored.Length], stored);
            Assert.True(conversation.State == "open" || conversation.SampleCount == stored.Length, $"row {conversation.State} with {conversation.SampleCount}, WAV {stored.Length}");

            // Space is freed: the next session stores everything.
            File.Delete(filler);
            await StreamPcmAsync(server, token, samples);
            var next = await WaitForAsync(async () => (await ConversationsAsync(server, user.Id)).SingleOrDefault(c => c.Id != conversation.Id && c.State == "closed"), "the next conversation");
            Assert.Equal(samples, WavFile.Read(next.AudioPath!).Samples);
            await server.DisposeAsync();

            // A row the full disk kept open is closed by the next start with every sample of its WAV.
            await using var restarted = await TestServer.StartAsync(dataDirectory: dir);
            restarted.KeepDataDirectory = true;
            var recovered = (await ConversationsAsync(restarted, user.Id)).Single(c => c.Id == conversation.Id);
            Assert.Equal("closed", recovered.State);
            Assert.Equal(stored.Length, recovered.SampleCount);
        }
        finally
        {
            if (mounted)
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                System.Diagnostics.Process.Start("umount", ["-l", dir.Path])!.WaitForExit();
            }
        }
    }

    [Fact]
    public async Task FinalHeaderWriteFails_WavReleased_RowFailedWithItsSamples_AudioReadable()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with
        {
            Faults = (point, _, _) =>
            {
                if (point == FaultPoint.WavFinish)
                {
                    throw new IOException("Input/output error", 5);
                }
            },
        });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var baseline = Invariants.Take();
        var samples = Fixtures.Samples("jfk.wav");

        await StreamPcmAsync(server, token, samples);

        var conversation = await WaitForAsync(async () => (await ConversationsAsync(server, user.Id)).SingleOrDefault(c => c.State == "failed"), "the conversation to be recorded as failed");
        Assert.Equal(samples.Length, conversation.SampleCount);
        Assert.Equal(samples, WavFile.Read(conversation.AudioPath!).Samples);
        await Invariants.AssertBackToAsync(baseline, server);
    }

    [Fact]
    public async Task TheClockMoves_SilenceClosesTheConversationAndIdlenessTheSession_WithoutWaitingInRealTime()
    {
        var clock = new ManualTime(DateTimeOffset.Parse("2026-12-02T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var server = await TestServer.StartAsync(configure: o => o with
        {
            Time = clock,
            ConversationTimeout = TimeSpan.FromSeconds(90),
            IdleTimeout = TimeSpan.FromSeconds(60),
        });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var samples = Fixtures.Samples("jfk.wav");
        await using var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token);
        await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
        await device.SendPcmAsync([.. samples, .. new short[32000]], AudioFormat.Speech); // speech, then 2 s of silence: the VAD hears the speech end
        await WaitUntilAsync(() => server.Server.Sessions.List(null).Single().Session?.Recorder.PacketsDecoded == (samples.Length + 32000) / 320, "every chunk to be stored");

        // 91 s without speech on the server's clock: the conversation closes at the next tick, stamped by that clock.
        clock.Advance(TimeSpan.FromSeconds(45));
        await device.SendPcmAsync(new short[320], AudioFormat.Speech); // silence keeps the device alive
        await WaitUntilAsync(() => server.Server.Sessions.List(null).Single().Session?.Recorder.PacketsDecoded == (samples.Length + 32000) / 320 + 1, "the silence to be stored");
        clock.Advance(TimeSpan.FromSeconds(46));
        var closed = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        Assert.Equal(samples.Length + 32000 + 320, closed.SampleCount);
        Assert.Equal(clock.GetUtcNow().ToUnixTimeSeconds(), closed.EndedAt!.Value.ToUnixTimeSeconds());

        // 61 s with nothing from the device: the session ends with 1008.
        clock.Advance(TimeSpan.FromSeconds(61));
        var (status, reason) = await device.WaitForCloseAsync();
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Equal("idle timeout", reason);
    }

    internal static bool Mount(string path)
    {
        using var mount = System.Diagnostics.Process.Start("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", path])!;
        mount.WaitForExit();
        return mount.ExitCode == 0;
    }

    /// <summary>A file that takes the file system's free space down to about <paramref name="leave"/> bytes (nothing when 0: the injected variant).</summary>
    internal static void FillLeaving(string filler, string directory, long leave)
    {
        using var file = File.Create(filler);
        if (leave > 0)
        {
            var free = new DriveInfo(directory).AvailableFreeSpace;
            var block = new byte[64 * 1024];
            for (var written = 0L; written < free - leave; written += block.Length)
            {
                file.Write(block);
            }
        }
    }
}
