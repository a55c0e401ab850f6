using System.Net.WebSockets;
using static FriendLite.Edge.Tests.Support.DeviceSupport;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Tests.Server;

/// <summary><c>/metrics</c> on what devices send: frames and bytes by codec, what could not be decoded, protocol violations, conversations.</summary>
public sealed class DeviceMetricsTests
{
    [Fact]
    public async Task Metrics_AfterAPcmAndAnOpusStream_CountTheirFramesBytesAndConversations()
    {
        await using var server = await TestServer.StartAsync();
        var (_, token) = await server.CreateUserAsync("admin@example.com", admin: true);
        using var admin = server.ClientWithToken(token);
        var before = await MetricsScrape.ReadAsync(admin);
        var packets = Fixtures.OpusPackets("jfk-20ms.opuspackets").Take(20).ToList();

        await StreamPcmAsync(server, token, Fixtures.Samples("jfk.wav")[..16000]); // 50 chunks of 320 samples
        await using (var device = await DeviceClient.ConnectAsync(server, "/ws_omi", token))
        {
            await device.SendEventAsync(WyomingEvent.AudioStart);
            await device.SendOpusAsync(packets);
            await device.SendEventAsync(WyomingEvent.AudioStop);
            await device.CloseAsync();
        }

        await WaitForNoSessionsAsync(server);
        var after = await MetricsScrape.ReadAsync(admin);

        Assert.Equal((0, 0), (before["friendlite_audio_frames_total{codec=\"pcm\"}"], before["friendlite_conversations_opened_total"]));
        Assert.Equal(50, after["friendlite_audio_frames_total{codec=\"pcm\"}"]);
        Assert.Equal(16000 * 2, after["friendlite_audio_bytes_total{codec=\"pcm\"}"]);
        Assert.Equal(20, after["friendlite_audio_frames_total{codec=\"opus\"}"]);
        Assert.Equal(packets.Sum(p => p.Length), after["friendlite_audio_bytes_total{codec=\"opus\"}"]);
        Assert.Equal((2, 2, 0), (after["friendlite_conversations_opened_total"], after["friendlite_conversations_closed_total"], after["friendlite_conversations_open"]));
        Assert.Equal(0, after["friendlite_audio_frames_undecodable_total{codec=\"opus\"}"]);
    }

    [Fact]
    public async Task Metrics_WhileAConversationIsOpen_ShowItOpen()
    {
        await using var server = await TestServer.StartAsync();
        var (_, token) = await server.CreateUserAsync("admin@example.com", admin: true);
        using var admin = server.ClientWithToken(token);
        await using var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token);

        await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
        await device.SendPcmAsync(Fixtures.Samples("jfk.wav")[..3200], AudioFormat.Speech);
        await WaitUntilAsync(() => server.Server.Devices.ConversationsOpened == 1, "the conversation to open");
        var open = await MetricsScrape.ReadAsync(admin);
        await device.SendEventAsync(WyomingEvent.AudioStop);
        await device.CloseAsync();
        await WaitForNoSessionsAsync(server);
        var closed = await MetricsScrape.ReadAsync(admin);

        Assert.Equal(1, open["friendlite_conversations_open"]);
        Assert.Equal(0, closed["friendlite_conversations_open"]);
    }

    [Fact]
    public async Task Metrics_CorruptOpusPacketsAndAMalformedFrame_MoveTheUndecodableAndViolationCounters()
    {
        await using var server = await TestServer.StartAsync();
        var (_, token) = await server.CreateUserAsync("admin@example.com", admin: true);
        using var admin = server.ClientWithToken(token);
        var packets = Fixtures.OpusPackets("jfk-20ms.opuspackets");
        var garbage = Enumerable.Repeat((byte)0xFF, 3000).ToArray();

        await using (var device = await DeviceClient.ConnectAsync(server, "/ws_omi", token))
        {
            await device.SendOpusAsync(packets.Take(10));
            await device.SendOpusAsync([garbage, garbage, garbage]);
            await device.SendOpusAsync(packets.Skip(10).Take(10));
            await device.SendEventAsync(WyomingEvent.AudioStop);
            await device.CloseAsync();
        }

        WebSocketCloseStatus? status;
        await using (var device = await DeviceClient.ConnectAsync(server, "/ws_omi", token))
        {
            await device.SendBinaryAsync([1, 2, 3]); // a payload without its event header
            (status, _) = await device.WaitForCloseAsync();
        }

        await WaitForNoSessionsAsync(server);
        var metrics = await MetricsScrape.ReadAsync(admin);

        Assert.Equal(WebSocketCloseStatus.ProtocolError, status);
        Assert.Equal(3, metrics["friendlite_audio_frames_undecodable_total{codec=\"opus\"}"]);
        Assert.Equal(23, metrics["friendlite_audio_frames_total{codec=\"opus\"}"]);
        Assert.Equal(1, metrics["friendlite_device_protocol_violations_total{code=\"1002\"}"]);
        Assert.Equal(0, metrics["friendlite_device_protocol_violations_total{code=\"1007\"}"]);
    }
}
