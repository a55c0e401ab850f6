using System.Net.WebSockets;
using System.Text;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Tests.Sessions;

/// <summary>
/// Seeded fuzzing of what devices send: Wyoming headers at the parser, and whole mutated frame
/// sequences at live <c>/ws_omi</c> and <c>/ws_pcm</c> sessions. Every session ends with a close
/// code or goes on; none hangs; afterwards no session, connection or open conversation is left and
/// the server serves. Each failure names its seed (FRIENDLITE_FUZZ_SEED, FRIENDLITE_FUZZ_CASES).
/// </summary>
[Collection(SerialTests.Name)] // the live test checks process-wide counts against its baseline
public sealed class DeviceFuzzTests
{
    private static readonly byte[][] s_headers =
    [
        WyomingEvent.Serialize(WyomingEvent.AudioStart, AudioFormat.Speech, timestamp: null, 0),
        WyomingEvent.Serialize(WyomingEvent.AudioChunk, AudioFormat.Speech, timestamp: 1732000000, 640),
        WyomingEvent.Serialize(WyomingEvent.AudioStop, null, timestamp: null, 0),
        "{\"type\":\"audio-chunk\",\"version\":\"1.5.2\",\"data_length\":40,\"payload_length\":320}\n{\"rate\":16000,\"width\":2,\"channels\":1}"u8.ToArray(),
        "{\"type\":\"transcribe\",\"data\":{\"name\":null,\"language\":\"en\",\"context\":{\"a\":[1,{\"b\":2}]}}}"u8.ToArray(),
    ];

    [Fact]
    public void MutatedWyomingHeaders_ParseOrAreRefusedWithAFormatError()
    {
        for (var i = 0; i < Mutator.Cases(20_000); i++)
        {
            var seed = Mutator.BaseSeed + i;
            var random = new Random(seed);
            var input = Mutator.Mutate(s_headers[random.Next(s_headers.Length)], random);
            try
            {
                var header = WyomingEvent.Parse(input.AsSpan(0, Math.Max(0, Array.IndexOf(input, (byte)'\n') is var nl and >= 0 ? nl : input.Length)));
                Assert.True(header.PayloadLength >= 0, $"seed {seed}: a negative payload length was accepted");
            }
            catch (FormatException)
            {
                // refused, with a reason: what a device is told in its close frame
            }
            catch (Exception ex)
            {
                Assert.Fail($"seed {seed}: {ex.GetType().Name}: {ex.Message}\ninput: {Encoding.Latin1.GetString(input)}");
            }
        }
    }

    [Fact]
    public async Task MutatedFrameSequences_EndWithACloseCodeOrGoOn_NothingHangsOrIsLeftBehind()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { IdleTimeout = TimeSpan.FromSeconds(3) });
        var (user, token) = await server.CreateUserAsync("fuzz@example.com");
        var baseline = Invariants.Take();
        var opus = Fixtures.OpusPackets("jfk-20ms.opuspackets").Take(40).ToList();
        var failures = await Mutator.RunAsync(120, parallel: 8, TimeSpan.FromSeconds(30), seed => OneSessionAsync(server, token, opus, seed));

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(5)));
        await Invariants.AssertBackToAsync(baseline, server);
        Assert.False(server.Server.Faulted.IsCancellationRequested);
        Assert.All(await DeviceSupport.ConversationsAsync(server, user.Id), c => Assert.NotEqual("open", c.State));
    }

    private static async Task OneSessionAsync(TestServer server, string token, List<byte[]> opus, int seed)
    {
        var random = new Random(seed);
        var omi = random.Next(2) == 0;
        await using var device = await DeviceClient.ConnectAsync(server, omi ? "/ws_omi" : "/ws_pcm", token, $"fuzz{seed}");
        var frames = new List<(byte[] Bytes, bool Text)> { (s_headers[0], true) };
        for (var k = 0; k < random.Next(1, 30); k++)
        {
            var payload = omi ? opus[random.Next(opus.Count)] : new byte[640];
            random.NextBytes(omi ? [] : payload);
            frames.Add((WyomingEvent.Serialize(WyomingEvent.AudioChunk, AudioFormat.Speech, timestamp: null, payload.Length), true));
            frames.Add((payload, false));
        }

        frames.Add((s_headers[2], true));
        for (var m = 0; m < random.Next(1, 4); m++)
        {
            var at = random.Next(frames.Count);
            switch (random.Next(5))
            {
                case 0:
                    frames[at] = (Mutator.Mutate(frames[at].Bytes, random), frames[at].Text);
                    break;
                case 1:
                    frames.RemoveAt(at);
                    break;
                case 2:
                    frames.Insert(at, frames[random.Next(frames.Count)]);
                    break;
                case 3:
                    frames[at] = (frames[at].Bytes, !frames[at].Text); // text as binary, binary as text
                    break;
                default:
                    var noise = new byte[random.Next(0, 2048)];
                    random.NextBytes(noise);
                    frames.Insert(at, (noise, false));
                    break;
            }
        }

        var closedByServer = false;
        try
        {
            foreach (var (bytes, text) in frames)
            {
                await device.Socket.SendAsync(bytes, text ? WebSocketMessageType.Text : WebSocketMessageType.Binary, true, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or InvalidOperationException)
        {
            closedByServer = true; // refused mid-sequence: it must have said why
        }

        if (closedByServer || random.Next(2) == 0)
        {
            // The server closes a session it refused; one it did not ends by the idle timeout. Either way, with a code.
            var (status, _) = await device.WaitForCloseAsync(TimeSpan.FromSeconds(15));
            Assert.NotNull(status);
        }
        else
        {
            await device.CloseAsync();
        }
    }
}
