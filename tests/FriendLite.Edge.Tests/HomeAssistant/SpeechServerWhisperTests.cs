using FriendLite.Edge.HomeAssistant;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;
using static FriendLite.Edge.Tests.Support.DeviceSupport;

namespace FriendLite.Edge.Tests.HomeAssistant;

/// <summary>
/// The "done": a Wyoming client gets <c>info</c> naming the loaded Whisper model, then a
/// transcript for <c>jfk.wav</c> twice on one connection and once on a fresh one, from the real
/// Whisper engine and the fixtures' test model, while a device streams and is transcribed beside it.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class SpeechServerWhisperTests
{
    [Fact]
    public async Task Jfk_TwiceOnOneConnectionAndOnceOnAFreshOne_WhileADeviceStreams()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with
        {
            ModelPath = Fixtures.Path("ggml-tiny.en-for-tests.bin"),
            Threads = 2,
            Wyoming = new SpeechServerOptions("127.0.0.1", 0),
        });
        var baseline = Invariants.Take();
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        var jfk = Fixtures.Samples("jfk.wav");

        // The server's other work: a device streams three utterances, to be transcribed beside the commands.
        var device = StreamPcmAsync(server, token, Fixtures.Samples("conversation-3utt.wav"));
        var answers = new List<List<WyomingTestEvent>>();
        WyomingTestEvent? info;
        await using (var client = await SpeechServerTests.ConnectAsync(server))
        {
            await client.SendAsync("describe");
            info = await client.ReadAsync();
            for (var i = 0; i < 2; i++)
            {
                await client.SendCommandAsync(jfk);
                answers.Add(await client.ReadUntilAsync("transcript-stop", TimeSpan.FromMinutes(2)));
            }
        }

        await using (var fresh = await SpeechServerTests.ConnectAsync(server))
        {
            await fresh.SendCommandAsync(jfk);
            answers.Add(await fresh.ReadUntilAsync("transcript-stop", TimeSpan.FromMinutes(2)));
        }

        await device;
        var model = info!.Data["asr"]![0]!["models"]![0]!;
        Assert.Equal("tiny.en-for-tests", model["name"]!.GetValue<string>());
        Assert.Equal(["en"], model["languages"]!.AsArray().Select(l => l!.GetValue<string>()));
        Assert.All(answers, events =>
        {
            Assert.Equal("transcript-start", events[0].Type);
            Assert.Equal(["transcript", "transcript-stop"], events[^2..].Select(e => e.Type));
            Assert.All(events[1..^2], e => Assert.Equal("transcript-chunk", e.Type));
            Assert.Equal(string.Concat(events[1..^2].Select(e => e.Text)), events[^2].Text); // the chunks add up to the transcript
            Assert.Equal("en", events[^2].Data["language"]!.GetValue<string>());
        });
        Assert.Equal(3, server.Server.Scheduler!.CommandsDone);

        // The device's conversation was transcribed all the same, and it is the only conversation: commands are not kept.
        var conversation = Assert.Single(await ClosedConversationsAsync(server, ann.Id, 1));
        Assert.Equal(3, (await TranscriptRowsAsync(server, conversation.Id, 3, TimeSpan.FromMinutes(2))).Count);
        Assert.Single(await new ConversationStore(server.Server.Database).ListAsync(null, 100, default));
        await Invariants.AssertBackToAsync(baseline, server);
    }
}
