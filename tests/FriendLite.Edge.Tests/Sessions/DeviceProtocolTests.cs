using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using static FriendLite.Edge.Tests.Support.DeviceSupport;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Tests.Audio;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Tests.Sessions;

/// <summary>The device WebSocket protocol over real sockets: what a device sends is what the server stores.</summary>
public sealed class DeviceProtocolTests
{
    [Fact]
    public async Task Omi_ReferenceOpusStream_StoresWavMatchingLibopusAndAConversationRow()
    {
        await using var server = await TestServer.StartAsync();
        var (user, token) = await server.CreateUserAsync("ann@example.com");

        await using (var device = await DeviceClient.ConnectAsync(server, "/ws_omi", token, "Omi Pendant"))
        {
            await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
            await device.SendOpusAsync(Fixtures.OpusPackets("jfk-20ms.opuspackets"));
            await device.SendEventAsync(WyomingEvent.AudioStop);
            await device.CloseAsync();
        }

        var conversation = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        Assert.Equal("closed", conversation.State);
        Assert.Equal($"{user.Id[^6..]}-omipendant", conversation.ClientId);
        Assert.Equal(176_000, conversation.SampleCount);
        Assert.StartsWith(Path.Combine(server.DataDirectory.Path, "audio", DateTime.UtcNow.ToString("yyyy", System.Globalization.CultureInfo.InvariantCulture)), conversation.AudioPath, StringComparison.Ordinal);
        var (format, samples) = WavFile.Read(conversation.AudioPath!);
        Assert.Equal(AudioFormat.Speech, format);
        var (snr, maxDiff) = AudioTests.Compare(Fixtures.RawPcm("jfk-20ms.libopus-decoded.pcm"), samples);
        Assert.True(maxDiff <= AudioTests.OpusMaxSampleDifference && snr >= AudioTests.OpusMinSnrDb, $"SNR {snr:0.0} dB, max diff {maxDiff}");
    }

    [Fact]
    public async Task Omi_TenMillisecondFramesWithoutAudioStart_AreStored()
    {
        await using var server = await TestServer.StartAsync();
        var (user, token) = await server.CreateUserAsync("ann@example.com");

        await using (var device = await DeviceClient.ConnectAsync(server, "/ws_omi", token))
        {
            await device.SendOpusAsync(Fixtures.OpusPackets("jfk-10ms.opuspackets"));
            await device.CloseAsync();
        }

        var conversation = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        Assert.Equal(176_000, WavFile.Read(conversation.AudioPath!).Samples.Length);
    }

    [Fact]
    public async Task Legacy_BareOpusFrames_StoreTheSameAudio()
    {
        await using var server = await TestServer.StartAsync();
        var (user, token) = await server.CreateUserAsync("ann@example.com");

        await using (var device = await DeviceClient.ConnectAsync(server, "/ws", token))
        {
            foreach (var packet in Fixtures.OpusPackets("jfk-20ms.opuspackets"))
            {
                await device.SendBinaryAsync(packet);
            }

            await device.CloseAsync();
        }

        var conversation = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        var (snr, _) = AudioTests.Compare(Fixtures.RawPcm("jfk-20ms.libopus-decoded.pcm"), WavFile.Read(conversation.AudioPath!).Samples);
        Assert.True(snr >= AudioTests.OpusMinSnrDb);
    }

    [Fact]
    public async Task Pcm_Speech16kMono_StoredWavEqualsSentSamplesExactly()
    {
        await using var server = await TestServer.StartAsync();
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var (_, jfk) = WavFile.Read(Fixtures.Path("jfk.wav"));

        await using (var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token))
        {
            await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
            await device.SendPcmAsync(jfk, AudioFormat.Speech, samplesPerChunk: 160);
            await device.SendEventAsync(WyomingEvent.AudioStop);
            await device.CloseAsync();
        }

        var conversation = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        Assert.Equal(jfk, WavFile.Read(conversation.AudioPath!).Samples);
        Assert.Equal(jfk.Length, conversation.SampleCount);
    }

    [Fact]
    public async Task Pcm_48kStereo_IsStoredAs16kMono()
    {
        await using var server = await TestServer.StartAsync();
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var format = new AudioFormat(48000, 2, 2);
        var mono = AudioTests.Tone(440, 48000, seconds: 2);
        var stereo = mono.SelectMany(s => new[] { s, s }).ToArray();

        await using (var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token))
        {
            await device.SendEventAsync(WyomingEvent.AudioStart, format);
            await device.SendPcmAsync(stereo, format, samplesPerChunk: 960);
            await device.CloseAsync();
        }

        var conversation = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        Assert.InRange(WavFile.Read(conversation.AudioPath!).Samples.Length, 31_800, 32_000);
    }

    [Fact]
    public async Task Pcm_ChunksBeforeAudioStart_AreDroppedAsFriendLiteDid()
    {
        await using var server = await TestServer.StartAsync();
        var (user, token) = await server.CreateUserAsync("ann@example.com");

        await using (var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token))
        {
            await device.SendPcmAsync(new short[1600], AudioFormat.Speech);
            await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
            await device.SendPcmAsync(Enumerable.Repeat((short)100, 3200).ToArray(), AudioFormat.Speech);
            await device.CloseAsync();
        }

        var conversation = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        Assert.Equal(3200, conversation.SampleCount);
    }

    [Fact]
    public async Task AudioStop_EndsTheConversationAndLaterAudioStartsAnother()
    {
        await using var server = await TestServer.StartAsync();
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var packets = Fixtures.OpusPackets("jfk-20ms.opuspackets");

        await using var device = await DeviceClient.ConnectAsync(server, "/ws_omi", token);
        await device.SendOpusAsync(packets.Take(100));
        await device.SendEventAsync(WyomingEvent.AudioStop);
        var first = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        Assert.Equal(WebSocketState.Open, device.Socket.State);
        await device.SendEventAsync("some-future-event", payload: [1, 2, 3]);
        await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
        await device.SendOpusAsync(packets.Skip(100).Take(50));
        await device.CloseAsync();

        var both = await ClosedConversationsAsync(server, user.Id, 2);
        Assert.Equal(first.Id, both[0].Id);
        Assert.Equal((32_000, 16_000), (both[0].SampleCount, both[1].SampleCount));
        Assert.NotEqual(both[0].AudioPath, both[1].AudioPath);
    }

    [Fact]
    public async Task DataLength_ExtraJsonIsMergedIntoTheEventData()
    {
        await using var server = await TestServer.StartAsync();
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var extra = "{\"rate\":16000,\"width\":2,\"channels\":1}"u8.ToArray();

        await using (var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token))
        {
            await device.SendTextAsync($"{{\"type\":\"audio-start\",\"data\":{{}},\"data_length\":{extra.Length}}}");
            await device.SendTextAsync(System.Text.Encoding.UTF8.GetString(extra));
            await device.SendTextAsync($"{{\"type\":\"audio-chunk\",\"data\":{{}},\"data_length\":{extra.Length},\"payload_length\":640}}");
            await device.SendBinaryAsync(extra);
            await device.SendBinaryAsync(new byte[640]);
            await device.CloseAsync();
        }

        Assert.Equal(320, Assert.Single(await ClosedConversationsAsync(server, user.Id, 1)).SampleCount);
    }

    [Theory]
    [InlineData("binary without header", WebSocketCloseStatus.ProtocolError, "binary frame without an event header")]
    [InlineData("invalid json", WebSocketCloseStatus.InvalidPayloadData, "bad event header: invalid JSON")]
    [InlineData("payload lie", WebSocketCloseStatus.ProtocolError, "payload_length said 640 bytes but the payload had 100")]
    [InlineData("text instead of payload", WebSocketCloseStatus.ProtocolError, "expected a binary payload of 640 bytes")]
    [InlineData("huge payload_length", WebSocketCloseStatus.MessageTooBig, "payload_length 10000000 is over")]
    [InlineData("huge header", WebSocketCloseStatus.MessageTooBig, "frame larger than 16384 bytes")]
    [InlineData("unsupported width", WebSocketCloseStatus.InvalidMessageType, "sample width 5 bytes is not supported")]
    [InlineData("missing type", WebSocketCloseStatus.InvalidPayloadData, "the event has no 'type'")]
    [InlineData("invalid json under a long name", WebSocketCloseStatus.InvalidPayloadData, "bad event header: invalid JSON")]
    public async Task Violation_ClosesWithStatusAndReason_KeepingAudioAcceptedBefore(string violation, WebSocketCloseStatus status, string reason)
    {
        await using var server = await TestServer.StartAsync();
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        await using var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token);
        await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
        await device.SendPcmAsync(Enumerable.Repeat((short)7, 1600).ToArray(), AudioFormat.Speech);

        switch (violation)
        {
            case "binary without header":
                await device.SendBinaryAsync(new byte[640]);
                break;
            case "invalid json":
                await device.SendTextAsync("{\"type\":\"audio-chunk\",");
                break;
            case "payload lie":
                await device.SendTextAsync("{\"type\":\"audio-chunk\",\"data\":{\"rate\":16000,\"width\":2,\"channels\":1},\"payload_length\":640}");
                await device.SendBinaryAsync(new byte[100]);
                break;
            case "text instead of payload":
                await device.SendTextAsync("{\"type\":\"audio-chunk\",\"data\":{\"rate\":16000,\"width\":2,\"channels\":1},\"payload_length\":640}");
                await device.SendTextAsync("{\"type\":\"audio-stop\"}");
                break;
            case "huge payload_length":
                await device.SendTextAsync("{\"type\":\"audio-chunk\",\"payload_length\":10000000}");
                break;
            case "huge header":
                await device.SendTextAsync("{\"type\":\"audio-chunk\",\"data\":{\"pad\":\"" + new string('x', 20_000) + "\"}}");
                break;
            case "unsupported width":
                await device.SendEventAsync(WyomingEvent.AudioStart, new AudioFormat(16000, 5, 1));
                break;
            case "missing type":
                await device.SendTextAsync("{\"data\":{}}");
                break;
            case "invalid json under a long name":
                await device.SendTextAsync("{\"type\":\"audio-chunk\",\"data\":{\"" + string.Concat(Enumerable.Repeat("überlang", 40)) + "\": tru}}");
                break;
        }

        var (closeStatus, closeReason) = await device.WaitForCloseAsync();

        Assert.Equal(status, closeStatus);
        Assert.Contains(reason, closeReason, StringComparison.Ordinal);
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(closeReason!), 1, 123); // RFC 6455: a close frame's reason is at most 123 bytes
        var conversation = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        Assert.Equal(Enumerable.Repeat((short)7, 1600), WavFile.Read(conversation.AudioPath!).Samples);
        await WaitForNoSessionsAsync(server);
    }

    [Theory]
    [InlineData("short reason", "short reason")]
    [InlineData("", "")]
    public void FitCloseReason_ShortReasonsUnchanged(string reason, string expected) =>
        Assert.Equal(expected, FriendLite.Edge.Sessions.CloseReason.Fit(reason));

    [Fact]
    public void FitCloseReason_LongReason_CutToAWholeCharacterWithinTheFrameLimit()
    {
        var reason = "bad event header: " + string.Concat(Enumerable.Repeat("über🎙", 40));

        var fitted = FriendLite.Edge.Sessions.CloseReason.Fit(reason);

        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(fitted), 100, 123);
        Assert.EndsWith("…", fitted, StringComparison.Ordinal);
        Assert.StartsWith(fitted[..^1], reason, StringComparison.Ordinal);
        Assert.DoesNotContain('\uFFFD', fitted);
    }

    [Fact]
    public async Task CorruptOpusPackets_AFewAreSkippedARunCloses1007()
    {
        await using var server = await TestServer.StartAsync();
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var packets = Fixtures.OpusPackets("jfk-20ms.opuspackets");
        var garbage = Enumerable.Repeat((byte)0xFF, 3000).ToArray();
        await using var device = await DeviceClient.ConnectAsync(server, "/ws_omi", token);

        await device.SendOpusAsync(packets.Take(10));
        await device.SendOpusAsync([garbage, garbage]);
        await device.SendOpusAsync(packets.Skip(10).Take(10));
        await device.SendOpusAsync(Enumerable.Repeat(garbage, 10));
        var (status, reason) = await device.WaitForCloseAsync();

        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, status);
        Assert.Equal("10 corrupt Opus packets in a row", reason);
        Assert.Equal(20 * 320, Assert.Single(await ClosedConversationsAsync(server, user.Id, 1)).SampleCount);
    }

    [Fact]
    public async Task Upgrade_WithoutOrWithBadToken_Is401AndCreatesNoSession()
    {
        await using var server = await TestServer.StartAsync();

        var missing = await Assert.ThrowsAsync<UpgradeRefused>(() => DeviceClient.ConnectAsync(server, "/ws_omi", token: null));
        var bad = await Assert.ThrowsAsync<UpgradeRefused>(() => DeviceClient.ConnectAsync(server, "/ws_pcm", token: "not.a.token"));

        Assert.Equal(HttpStatusCode.Unauthorized, missing.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, bad.Status);
        Assert.Equal(0, server.Server.Sessions.Count);
    }

    [Fact]
    public async Task Upgrade_WithBearerHeaderInsteadOfQuery_IsAccepted()
    {
        await using var server = await TestServer.StartAsync();
        var (_, token) = await server.CreateUserAsync("ann@example.com");
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");

        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}/ws_omi"), CancellationToken.None);

        Assert.Equal(WebSocketState.Open, socket.State);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
    }

    [Fact]
    public async Task PlainGetOnDeviceEndpoint_Is400()
    {
        await using var server = await TestServer.StartAsync();
        var (_, token) = await server.CreateUserAsync("ann@example.com");
        using var client = server.ClientWithToken(token);

        using var response = await client.GetAsync("/ws_omi");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task MaxSessions_ExtraDeviceIsRefused503BeforeUpgrade()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { MaxSessions = 2 });
        var (_, token) = await server.CreateUserAsync("ann@example.com");
        await using var one = await DeviceClient.ConnectAsync(server, "/ws_omi", token);
        await using var two = await DeviceClient.ConnectAsync(server, "/ws_omi", token);

        var refused = await Assert.ThrowsAsync<UpgradeRefused>(() => DeviceClient.ConnectAsync(server, "/ws_omi", token));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        Assert.Equal(2, server.Server.Sessions.Count);
    }

    [Fact]
    public async Task SameDeviceTwice_GetsSuffixedClientIds_AndActiveClientsIsPerUser()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        var (_, bobToken) = await server.CreateUserAsync("bob@example.com");
        var (_, adminToken) = await server.CreateUserAsync("root@example.com", admin: true);
        await using var first = await DeviceClient.ConnectAsync(server, "/ws_omi", annToken, "Phone");
        await using var second = await DeviceClient.ConnectAsync(server, "/ws_omi", annToken, "Phone");
        await using var third = await DeviceClient.ConnectAsync(server, "/ws_omi", annToken, "Phone");
        await WaitUntilAsync(() => server.Server.Sessions.List(null).All(s => s.Session is not null), "sessions to start");

        using var annClient = server.ClientWithToken(annToken);
        using var bobClient = server.ClientWithToken(bobToken);
        using var adminClient = server.ClientWithToken(adminToken);
        using var annView = JsonDocument.Parse(await annClient.GetStringAsync("/api/clients/active"));
        using var bobView = JsonDocument.Parse(await bobClient.GetStringAsync("/api/clients/active"));
        using var adminView = JsonDocument.Parse(await adminClient.GetStringAsync("/api/clients/active"));

        var baseId = $"{ann.Id[^6..]}-phone";
        var ids = annView.RootElement.GetProperty("clients").EnumerateArray().Select(c => c.GetProperty("client_id").GetString()).Order().ToList();
        Assert.Equal([baseId, $"{baseId}-2", $"{baseId}-3"], ids);
        Assert.Equal(0, bobView.RootElement.GetProperty("active_clients_count").GetInt32());
        Assert.Equal(3, adminView.RootElement.GetProperty("active_clients_count").GetInt32());
    }

    [Fact]
    public async Task CloseApi_ClosesTheCurrentConversationOnlyForItsOwner()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        var (_, bobToken) = await server.CreateUserAsync("bob@example.com");
        await using var device = await DeviceClient.ConnectAsync(server, "/ws_omi", annToken, "pendant");
        await device.SendOpusAsync(Fixtures.OpusPackets("jfk-20ms.opuspackets").Take(50));
        var clientId = $"{ann.Id[^6..]}-pendant";
        await WaitForAsync(async () => (await ConversationsAsync(server, ann.Id)).SingleOrDefault(), "the conversation to open");
        using var annClient = server.ClientWithToken(annToken);
        using var bobClient = server.ClientWithToken(bobToken);

        using var bobTry = await bobClient.PostAsync($"/api/conversations/{clientId}/close", null);
        using var closed = await annClient.PostAsync($"/api/conversations/{clientId}/close", null);
        using var again = await annClient.PostAsync($"/api/conversations/{clientId}/close", null);

        Assert.Equal(HttpStatusCode.NotFound, bobTry.StatusCode);
        using var body = JsonDocument.Parse(await closed.Content.ReadAsStringAsync());
        Assert.True(body.RootElement.GetProperty("closed").GetBoolean());
        using var secondBody = JsonDocument.Parse(await again.Content.ReadAsStringAsync());
        Assert.False(secondBody.RootElement.GetProperty("closed").GetBoolean());
        var conversation = Assert.Single(await ClosedConversationsAsync(server, ann.Id, 1));
        Assert.Equal(body.RootElement.GetProperty("conversation_id").GetString(), conversation.Id);
        Assert.Equal(WebSocketState.Open, device.Socket.State);
    }

    [Fact]
    public async Task ConversationTimeout_ClosesASilentConversationWhileTheDeviceStaysConnected()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { ConversationTimeout = TimeSpan.FromSeconds(1) });
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        await using var device = await DeviceClient.ConnectAsync(server, "/ws_omi", token);
        var packets = Fixtures.OpusPackets("jfk-20ms.opuspackets");

        await device.SendOpusAsync(packets.Take(25));
        await ClosedConversationsAsync(server, ann.Id, 1);
        await device.SendEventAsync("ping"); // not audio: keeps the socket alive, does not extend the conversation
        await device.SendOpusAsync(packets.Skip(25).Take(25));
        await device.CloseAsync();

        var both = await ClosedConversationsAsync(server, ann.Id, 2);
        Assert.Equal(8000, both[0].SampleCount);
        Assert.InRange(both[1].SampleCount, 320, 8000); // after a timeout the next conversation starts where speech is heard
    }

    [Fact]
    public async Task ConversationTimeout_SilenceAfterItOpensNothing_SpeechOpensTheNextConversation()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { ConversationTimeout = TimeSpan.FromSeconds(1) });
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        await using var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token);
        var (_, speech) = WavFile.Read(Fixtures.Path("jfk.wav"));
        await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
        await device.SendPcmAsync(speech[..32000], AudioFormat.Speech);

        // Keep streaming digital silence: the conversation times out and no new one opens.
        var first = await WaitForAsync(async () =>
        {
            await device.SendPcmAsync(new short[3200], AudioFormat.Speech);
            var rows = await ConversationsAsync(server, ann.Id);
            return rows.Count == 1 && rows[0].State == "closed" ? rows : null;
        }, "the silent conversation to time out");
        for (var i = 0; i < 10; i++)
        {
            await device.SendPcmAsync(new short[3200], AudioFormat.Speech);
        }

        var stillOne = await ConversationsAsync(server, ann.Id);
        await device.SendPcmAsync(speech[32000..64000], AudioFormat.Speech);
        await device.CloseAsync();

        Assert.Single(stillOne);
        var both = await ClosedConversationsAsync(server, ann.Id, 2);
        Assert.Equal(first[0].Id, both[0].Id);
        // The speech, whole, after up to a second of the silence before it (the pre-roll): the
        // first word's onset is kept even though speech is heard a few frames into it.
        var (_, stored) = WavFile.Read(both[1].AudioPath!);
        Assert.InRange(stored.Length, 32_000 + 8_000, 32_000 + 16_000);
        Assert.Equal(speech[32000..64000], stored[^32000..]);
        Assert.All(stored[..^32000], s => Assert.Equal(0, s));
    }

    [Fact]
    public async Task IdleTimeout_ADeviceThatSendsNothingIsClosedWith1008()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { IdleTimeout = TimeSpan.FromSeconds(1) });
        var (_, token) = await server.CreateUserAsync("ann@example.com");
        await using var device = await DeviceClient.ConnectAsync(server, "/ws_omi", token);

        var (status, reason) = await device.WaitForCloseAsync();

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Equal("idle timeout", reason);
        await WaitForNoSessionsAsync(server);
    }
}
