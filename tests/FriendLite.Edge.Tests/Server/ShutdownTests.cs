using System.Diagnostics;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Transcription;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Tests.Server;

/// <summary>Stopping with a transcription backlog: in time, and nothing queued is lost.</summary>
[Collection(SerialTests.Name)]
public sealed class ShutdownTests
{
    [Fact]
    public async Task Stop_WhileTheWorkerRunsABacklogJobAndADeviceHasQueuedSegments_FinishesInTimeAndKeepsEveryThingAsJobs()
    {
        using var dir = new TempDirectory();
        var samples = Fixtures.Samples("conversation-3utt.wav");
        var server = await TestServer.StartAsync(shutdownTimeout: TimeSpan.FromSeconds(5), dataDirectory: dir, configure: o => o with
        {
            Engine = () => new SlowEngine(TimeSpan.FromSeconds(20)),
            DrainTimeout = TimeSpan.FromSeconds(30), // longer than the shutdown deadline, as by default
        });
        server.KeepDataDirectory = true;
        DeviceClient? device = null;
        Stopwatch clock;
        bool clean;
        try
        {
            // A backlog job from an earlier run keeps the one worker busy (20 s) ...
            var backlog = Path.Combine(dir.Path, "backlog.wav");
            WavFile.Write(backlog, samples);
            var request = new TranscriptionRequest("earlier", backlog, 0, 16000, "speaker_x");
            var jobs = new JobStore(server.Server.Database, TimeProvider.System);
            await jobs.EnqueueAsync(TranscriptionScheduler.JobKind, request.ToJobPayload(), default);
            await DeviceSupport.WaitUntilAsync(() => server.Server.Scheduler!.Running == 1, "the worker to take the backlog job");

            // ... so a device's three segments wait in the live queue when the stop comes.
            var (_, token) = await server.CreateUserAsync("ann@example.com");
            device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token);
            await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
            await device.SendPcmAsync(samples, AudioFormat.Speech);
            await device.SendEventAsync(WyomingEvent.AudioStop);
            await DeviceSupport.WaitUntilAsync(() => server.Server.Scheduler!.Queued == 3, "three queued segments");
            clock = Stopwatch.StartNew();
            clean = await server.Server.StopAsync();
            clock.Stop();
        }
        finally
        {
            if (device is not null)
            {
                await device.DisposeAsync();
            }

            await server.DisposeAsync();
        }

        Assert.True(clean, $"the stop finished within its 5 s deadline (took {clock.Elapsed})");
        // The backlog job and the three segments are pending jobs for the next start.
        var pending = await new JobStore(Database.Open(dir.Path), TimeProvider.System).CountAsync(TranscriptionScheduler.JobKind, "pending", default);
        Assert.Equal(4, pending);
    }

    [Fact]
    public async Task Row05_StopWhileTheReceiveLoopIsBlockedOnAFullChannel_InTimeEveryPacketReadStoredCountsBack()
    {
        using var dir = new TempDirectory();
        var lines = new LogLines(LogLevel.Info);
        var baseline = Invariants.Take();
        var clock = new Stopwatch();
        var server = await TestServer.StartAsync(log: lines.Log, dataDirectory: dir, shutdownTimeout: TimeSpan.FromSeconds(15), configure: o => o with
        {
            OnAudio = (_, _, _) => Thread.Sleep(10), // a stage that falls behind a device sending as fast as it can
        });
        server.KeepDataDirectory = true;
        string userId;
        try
        {
            var (user, token) = await server.CreateUserAsync("ann@example.com");
            userId = user.Id;
            await using var device = await DeviceClient.ConnectAsync(server, "/ws_omi", token);
            var packets = Fixtures.OpusPackets("jfk-20ms.opuspackets");
            // Three times jfk.wav as fast as the socket takes it: the 512-message channel fills at
            // once, and the stage drains it at 100 packets a second.
            var sending = device.SendOpusAsync([.. packets, .. packets, .. packets]);
            await DeviceSupport.WaitUntilAsync(() => server.Server.Sessions.List(null).SingleOrDefault()?.Session?.FramesReceived > 2 * 600, "the channel to be full");

            // The device never answers the 1001: after the close grace the receive is aborted while
            // it waits for room in the channel, holding a packet it has already read.
            clock.Start();
            Assert.True(await server.Server.StopAsync());
            clock.Stop();
            await Task.WhenAny(sending, Task.Delay(TimeSpan.FromSeconds(5)));
        }
        finally
        {
            await server.DisposeAsync();
        }

        var frames = long.Parse(LogLines.Field(lines.Lines.Single(l => l.StartsWith("info session: disconnected", StringComparison.Ordinal)), "frames"), System.Globalization.CultureInfo.InvariantCulture);
        var conversation = Assert.Single(await DeviceSupport.ConversationsAsync(server, userId));
        Assert.Equal(frames / 2 * 320, conversation.SampleCount); // a header frame and a payload frame per packet
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the stop took {clock.Elapsed}, past its 15 s deadline");
        await Invariants.AssertProcessBackToAsync(baseline);
    }
}
