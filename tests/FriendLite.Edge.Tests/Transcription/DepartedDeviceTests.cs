using System.Diagnostics;
using static FriendLite.Edge.Tests.Support.DeviceSupport;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Transcription;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Tests.Transcription;

/// <summary>
/// A device that leaves while its speech is still being transcribed is released at once: the
/// transcription it leaves behind is the server's (its segments stay with the server's scheduler
/// and durable jobs), not a reason to hold the device's connection, session and client id. With
/// the real Whisper engine and a real-cost model, so the leftover work takes many seconds.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class DepartedDeviceTests(SynthesizedModel model) : IClassFixture<SynthesizedModel>
{
    [Fact]
    public async Task DeviceLeavesWithSpeechInTranscription_ReleasedAtOnce_ReconnectKeepsItsIdAndEveryUtteranceIsTranscribed()
    {
        // The default 30 s drain timeout: before, the session waited up to that long for its segments.
        await using var server = await TestServer.StartAsync(configure: o => o with { ModelPath = model.Path, Threads = 2 });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var speech = Fixtures.Samples("conversation-3utt.wav"); // three utterances: seconds of work each on this model
        string clientId;
        TimeSpan released;
        await using (var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token, "pendant"))
        {
            clientId = server.Server.Sessions.List(null).Single().ClientId;
            await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
            await device.SendPcmAsync(speech, AudioFormat.Speech);
            await device.SendEventAsync(WyomingEvent.AudioStop);
            await WaitUntilAsync(() => server.Server.Scheduler!.Running == 1, "the first utterance to be in transcription");

            var clock = Stopwatch.StartNew();
            await device.CloseAsync();
            await WaitUntilAsync(() => server.Server.Sessions.Count == 0, "the device's session to end", TimeSpan.FromSeconds(120));
            released = clock.Elapsed;
        }

        var conversation = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        var transcripts = new TranscriptStore(server.Server.Database);
        var doneAtRelease = (await transcripts.ListAsync(conversation.Id, default)).Count;
        Assert.True(released < TimeSpan.FromSeconds(5), $"the device was held {released.TotalSeconds:0.0} s after it closed ({doneAtRelease} of 3 utterances transcribed by then)");
        Assert.True(doneAtRelease < 3, "the device was released while its speech was still being transcribed");

        // A reconnect of the same device gets its own client id, not a "-2" beside a session still draining.
        await using (var again = await DeviceClient.ConnectAsync(server, "/ws_pcm", token, "pendant"))
        {
            Assert.Equal(clientId, server.Server.Sessions.List(null).Single().ClientId);
            await again.CloseAsync();
        }

        // And the speech it left behind is still transcribed: one row per utterance, none left as work.
        var rows = await TranscriptRowsAsync(server, conversation.Id, 3, TimeSpan.FromMinutes(3));
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Equal(TranscriptionRequest.SpeakerOf(clientId), r.Speaker));
        var jobs = new JobStore(server.Server.Database, TimeProvider.System);
        await WaitForAsync(async () => await jobs.CountAsync(TranscriptionScheduler.JobKind, "pending", default)
            + await jobs.CountAsync(TranscriptionScheduler.JobKind, "running", default) == 0 ? "none" : null, "no transcription job left");
    }
}
