using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using static FriendLite.Edge.Tests.Support.DeviceSupport;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Sessions;

/// <summary>SCENARIOS.md rows for device ingestion, each followed by the invariants (counts back to baseline, registry empty, audio kept).</summary>
[Collection(SerialTests.Name)]
public sealed class LifecycleTests
{
    private static readonly List<byte[]> Packets = Fixtures.OpusPackets("jfk-20ms.opuspackets");

    [Fact]
    public async Task Row01_ClientDisconnectsDuringTheUpgrade_NothingIsLeftBehind()
    {
        await using var server = await TestServer.StartAsync();
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var baseline = await WarmUpAsync(server, token);

        for (var i = 0; i < 20; i++)
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", server.Port);
            var request = $"GET /ws_omi?token={token}&device_name=race HTTP/1.1\r\nHost: 127.0.0.1:{server.Port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
            await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(request));
            tcp.Client.LingerState = new LingerOption(true, 0); // reset, as a dropped phone would
        }

        await Invariants.AssertBackToAsync(baseline, server);
        Assert.Single(await ConversationsAsync(server, user.Id)); // the warm-up's only
    }

    [Fact]
    public async Task Row02_ExceptionsInTheReceiveLoop_CloseWithStatusAndCleanUpFully()
    {
        await using var server = await TestServer.StartAsync();
        var (_, token) = await server.CreateUserAsync("ann@example.com");
        var baseline = await WarmUpAsync(server, token);
        var attacks = new Func<DeviceClient, Task>[]
        {
            d => d.SendTextAsync("{not json"),
            async d =>
            {
                await d.SendTextAsync("{\"type\":\"audio-chunk\",\"payload_length\":320}");
                await d.SendBinaryAsync(new byte[10]);
            },
            d => d.SendBinaryAsync(new byte[320]),
        };

        foreach (var attack in attacks)
        {
            await using var device = await DeviceClient.ConnectAsync(server, "/ws_omi", token);
            await device.SendOpusAsync(Packets.Take(5));
            await attack(device);
            var (status, _) = await device.WaitForCloseAsync();
            Assert.NotNull(status);
            Assert.NotEqual(WebSocketCloseStatus.NormalClosure, status);
        }

        await Invariants.AssertBackToAsync(baseline, server);
    }

    [Fact]
    public async Task Row03_ManyOpusSessionsComeAndGo_ThreadCountReturnsToBaseline()
    {
        await using var server = await TestServer.StartAsync();
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var baseline = await WarmUpAsync(server, token);

        for (var round = 0; round < 5; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
            {
                await using var device = await DeviceClient.ConnectAsync(server, "/ws_omi", token, $"dev{i}");
                await device.SendOpusAsync(Packets.Skip(i * 10).Take(50));
                await device.CloseAsync();
            }));
        }

        await Invariants.AssertBackToAsync(baseline, server);
        Assert.Equal(51, (await ClosedConversationsAsync(server, user.Id, 51)).Count);
    }

    [Fact]
    public async Task Row07And09_ConcurrentConnectsAndDisconnects_RegistryAndSqliteAgree()
    {
        await using var server = await TestServer.StartAsync();
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var baseline = await WarmUpAsync(server, token);
        var violations = 0;
        using var stopSampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stopSampling.IsCancellationRequested)
            {
                // Client ids stay unique; a device may reconnect while its previous session still cleans up,
                // so at most two sessions per simulated device.
                var live = server.Server.Sessions.List(null);
                if (live.Select(s => s.ClientId).Distinct().Count() != live.Count || live.Count > 2 * 30)
                {
                    Interlocked.Increment(ref violations);
                }

                await Task.Delay(1);
            }
        });

        await Task.WhenAll(Enumerable.Range(0, 30).Select(async i =>
        {
            for (var n = 0; n < 4; n++)
            {
                await using var device = await DeviceClient.ConnectAsync(server, "/ws_omi", token, $"d{i % 10}");
                await device.SendOpusAsync(Packets.Take(3));
                if (n % 2 == 0)
                {
                    await device.CloseAsync();
                }
            }
        }));
        await stopSampling.CancelAsync();
        await sampler;

        Assert.Equal(0, violations);
        await Invariants.AssertBackToAsync(baseline, server);
        var conversations = await ClosedConversationsAsync(server, user.Id, 121);
        var knownClients = await ClientIdsAsync(server, user.Id);
        Assert.All(conversations, c => Assert.Contains(c.ClientId, knownClients));
    }

    [Fact]
    public async Task Row08_RapidReconnectsOfOneDevice_OneLiveSessionAndNoSharedWav()
    {
        await using var server = await TestServer.StartAsync();
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var baseline = await WarmUpAsync(server, token);

        DeviceClient? previous = null;
        for (var i = 0; i < 100; i++)
        {
            var device = await DeviceClient.ConnectAsync(server, "/ws_omi", token, "pendant");
            await device.SendOpusAsync(Packets.Skip(i).Take(3));
            if (previous is not null)
            {
                await previous.DisposeAsync(); // dropped without a close, as a flaky BLE bridge does
            }

            previous = device;
        }

        await WaitUntilAsync(() => server.Server.Sessions.Count == 1, "only the newest session to remain");
        var last = server.Server.Sessions.List(null).Single();
        Assert.StartsWith($"{user.Id[^6..]}-pendant", last.ClientId, StringComparison.Ordinal);
        await previous!.CloseAsync();
        await previous.DisposeAsync();

        await Invariants.AssertBackToAsync(baseline, server);
        var conversations = await ClosedConversationsAsync(server, user.Id, 101);
        Assert.Equal(conversations.Count, conversations.Select(c => c.AudioPath).Distinct().Count());
        Assert.All(conversations.Skip(1), c => Assert.Equal(960, WavFile.Read(c.AudioPath!).Samples.Length));
    }

    [Fact]
    public async Task Row13_StageFailsMidStream_WavClosedValidUpToTheLastSampleAndSessionEnds()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with
        {
            Faults = (point, _, stored) =>
            {
                if (point == FaultPoint.WavWrite && stored == 40 * 320)
                {
                    throw new IOException("injected: Input/output error", 5);
                }
            },
        });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var baseline = Invariants.Take();

        await using (var device = await DeviceClient.ConnectAsync(server, "/ws_omi", token))
        {
            await device.SendOpusAsync(Packets.Take(100));
            var (status, reason) = await device.WaitForCloseAsync();
            Assert.Equal(WebSocketCloseStatus.InternalServerError, status);
            Assert.Equal("the server could not store audio", reason);
        }

        await Invariants.AssertBackToAsync(baseline, server);
        var conversation = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        Assert.Equal(40 * 320, conversation.SampleCount);
        Assert.Equal(40 * 320, WavFile.Read(conversation.AudioPath!).Samples.Length);
    }

    [Fact]
    public async Task Row16_ThunderingHerd_AllAcceptedOrRefused503ThenAllCleaned()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { MaxSessions = 250, Connections = o.Connections with { MaxConnectionsPerAddress = 1000 } });
        var (_, token) = await server.CreateUserAsync("ann@example.com");
        var baseline = await WarmUpAsync(server, token);

        var attempts = await Task.WhenAll(Enumerable.Range(0, 300).Select(async i =>
        {
            try
            {
                return (Device: await DeviceClient.ConnectAsync(server, "/ws_omi", token, $"herd{i}"), Refused: (UpgradeRefused?)null);
            }
            catch (UpgradeRefused refused)
            {
                return (Device: (DeviceClient?)null, Refused: refused);
            }
        }));
        var accepted = attempts.Where(a => a.Device is not null).ToList();
        var refused = attempts.Where(a => a.Refused is not null).ToList();
        Assert.Equal(300, accepted.Count + refused.Count);
        Assert.Equal(250, accepted.Count);
        Assert.All(refused, r => Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, r.Refused!.Status));

        await Task.WhenAll(accepted.Select(async a =>
        {
            await a.Device!.CloseAsync();
            await a.Device.DisposeAsync();
        }));

        await Invariants.AssertBackToAsync(baseline, server);
    }

    [Fact]
    public async Task Row17_DisconnectAsTheSilenceTimerFires_ConversationClosedExactlyOnce()
    {
        using var lines = new LogLines(LogLevel.Info);
        await using var server = await TestServer.StartAsync(log: lines.Log, configure: o => o with { ConversationTimeout = TimeSpan.FromSeconds(1) });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var baseline = Invariants.Take();

        await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
        {
            var device = await DeviceClient.ConnectAsync(server, "/ws_omi", token, $"race{i}");
            await device.SendOpusAsync(Packets.Take(10));
            await Task.Delay(850 + i * 25); // around the moment the timer closes the conversation
            await device.DisposeAsync();
        }));

        await Invariants.AssertBackToAsync(baseline, server);
        var conversations = await ClosedConversationsAsync(server, user.Id, 12);
        foreach (var conversation in conversations)
        {
            Assert.Single(lines.Lines, l => l.StartsWith("info session: conversation closed", StringComparison.Ordinal) && l.Contains(conversation.Id, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Row19And21_HalfOpenClient_IdleTimeoutEndsItAndTheServerSideSocketCloses()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { IdleTimeout = TimeSpan.FromSeconds(1) });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var baseline = Invariants.Take();
        var devices = new List<DeviceClient>();
        for (var i = 0; i < 5; i++)
        {
            var device = await DeviceClient.ConnectAsync(server, "/ws_omi", token, $"quiet{i}");
            await device.SendOpusAsync(Packets.Take(5));
            devices.Add(device); // then silence: no frames, no close, never reads the server's close
        }

        await WaitUntilAsync(() => Invariants.EstablishedServerConnections(server.Port) == 5, "5 connections");

        await Invariants.AssertBackToAsync(baseline with { Fds = baseline.Fds + 5 }, server); // the 5 client ends stay open
        Assert.Equal(5, (await ClosedConversationsAsync(server, user.Id, 5)).Count);
        foreach (var device in devices)
        {
            await device.DisposeAsync();
        }
    }

    /// <summary>One full session first, so lazily created runtime threads and handles are in the baseline.</summary>
    private static async Task<Invariants> WarmUpAsync(TestServer server, string token)
    {
        await using (var device = await DeviceClient.ConnectAsync(server, "/ws_omi", token, "warmup"))
        {
            await device.SendOpusAsync(Packets.Take(3));
            await device.CloseAsync();
        }

        await WaitForNoSessionsAsync(server);
        return Invariants.Take();
    }

    private static async Task<HashSet<string>> ClientIdsAsync(TestServer server, string userId)
    {
        await using var connection = await server.Server.Database.OpenConnectionAsync(default);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT client_id FROM clients WHERE user_id = $user;";
        command.Parameters.AddWithValue("$user", userId);
        var ids = new HashSet<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}
