using System.Net.Sockets;
using System.Text;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.HomeAssistant;

/// <summary>
/// Seeded fuzzing of whole Wyoming conversations at the speech server: a well-formed request
/// (describe, transcribe, audio-start, chunks with inline and block data, audio-stop, ping),
/// mutated, sent, then the client's side shut. Every connection ends (answered, refused with an
/// error event, or closed) without hanging; afterwards no connection, task group, place in the
/// registry or socket is left and the server still answers. A failure names its seed
/// (FRIENDLITE_FUZZ_SEED, FRIENDLITE_FUZZ_CASES for a longer campaign by hand).
/// </summary>
[Collection(SerialTests.Name)]
public sealed class SpeechServerFuzzTests
{
    [Fact]
    public async Task MutatedConversations_EndAnsweredRefusedOrClosed_NothingHangsOrIsLeftBehind()
    {
        await using var engine = new SteppedEngine(gated: false);
        await using var server = await SpeechServerTests.StartAsync(engine, speech: o => o with { IdleTimeout = TimeSpan.FromSeconds(3), MaxCommand = TimeSpan.FromSeconds(5) });
        var baseline = Invariants.Take();
        var valid = Conversation(SpeechServerTests.Seconds(0.5));
        var failures = await Mutator.RunAsync(150, parallel: 8, TimeSpan.FromSeconds(30), seed => OneConnectionAsync(server, Mutator.Mutate(valid, new Random(seed))));

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        var speech = server.Server.Speech!;
        await DeviceSupport.WaitUntilAsync(() => speech.Counters.Open == 0 && server.Server.Sessions.OtherCount == 0
            && Invariants.EstablishedServerConnections(speech.EndPoint.Port) == 0, "every Wyoming connection to be gone");
        await Invariants.AssertBackToAsync(baseline, server);
        await using var after = await SpeechServerTests.ConnectAsync(server);
        await after.SendCommandAsync(SpeechServerTests.Seconds(1));
        Assert.Equal("heard 16000 samples", (await after.ReadUntilAsync("transcript")).Last().Text);
    }

    /// <summary>Sends the bytes, shuts the sending side, then reads until the server closes: it must, within the timeout.</summary>
    private static async Task OneConnectionAsync(TestServer server, byte[] bytes)
    {
        await using var client = await SpeechServerTests.ConnectAsync(server);
        try
        {
            await client.SendRawAsync(bytes);
            client.Socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            return; // the server refused and closed before all was sent
        }

        if (!await client.ClosedByServerAsync(TimeSpan.FromSeconds(20)))
        {
            throw new TimeoutException("the server neither answered and closed nor closed");
        }
    }

    private static byte[] Conversation(short[] samples)
    {
        var bytes = new List<byte>();
        void Line(string line) => bytes.AddRange(Encoding.UTF8.GetBytes(line + "\n"));
        Line("{\"type\":\"describe\"}");
        Line("{\"type\":\"transcribe\",\"data\":{\"name\":\"tiny.en\",\"language\":\"en\"}}");
        Line("{\"type\":\"audio-start\",\"version\":\"1.7.0\",\"data_length\":38}");
        bytes.AddRange("{\"rate\":16000,\"width\":2,\"channels\":1}"u8.ToArray());
        for (var offset = 0; offset < samples.Length; offset += 1024)
        {
            var count = Math.Min(1024, samples.Length - offset);
            var pcm = new byte[count * 2];
            Buffer.BlockCopy(samples, offset * 2, pcm, 0, pcm.Length);
            Line($"{{\"type\":\"audio-chunk\",\"data\":{{\"rate\":16000,\"width\":2,\"channels\":1,\"timestamp\":{offset / 16}}},\"payload_length\":{pcm.Length}}}");
            bytes.AddRange(pcm);
        }

        Line("{\"type\":\"audio-stop\",\"data\":{\"timestamp\":500}}");
        Line("{\"type\":\"ping\",\"data\":{\"text\":\"hi\"}}");
        return [.. bytes];
    }
}
