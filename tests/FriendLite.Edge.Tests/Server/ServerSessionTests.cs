using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using static FriendLite.Edge.Tests.Support.DeviceSupport;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Server;

/// <summary>Sessions seen from the server as a whole: diagnostics and shutdown while devices stream.</summary>
public sealed class ServerSessionTests
{
    [Fact]
    public async Task DebugSessions_ShowsEachSessionsTaskTreeAndProcessCounts_ForAdminsOnly()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        var (_, adminToken) = await server.CreateUserAsync("root@example.com", admin: true);
        await using var device = await DeviceClient.ConnectAsync(server, "/ws_omi", annToken, "pendant");
        await WaitUntilAsync(() => server.Server.Sessions.List(null).All(s => s.Session is not null), "the session to start");
        using var annClient = server.ClientWithToken(annToken);
        using var adminClient = server.ClientWithToken(adminToken);

        using var forbidden = await annClient.GetAsync("/api/debug/sessions");
        using var body = JsonDocument.Parse(await adminClient.GetStringAsync("/api/debug/sessions"));

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        var root = body.RootElement;
        var counts = root.GetProperty("counts");
        Assert.True(counts.GetProperty("open_fds").GetInt32() > 0);
        Assert.True(counts.GetProperty("threads").GetInt32() > 0);
        // At least the managed heap is resident: a figure the System page can show as the server's memory.
        Assert.True(counts.GetProperty("rss_bytes").GetInt64() >= counts.GetProperty("managed_heap_bytes").GetInt64());
        Assert.Equal(1, counts.GetProperty("live_sessions").GetInt32());
        var requests = root.GetProperty("tree").GetProperty("groups").EnumerateArray().Single(g => g.GetProperty("name").GetString() == "requests");
        var session = requests.GetProperty("groups").EnumerateArray().Single();
        Assert.Equal($"session {ann.Id[^6..]}-pendant", session.GetProperty("name").GetString());
        Assert.Equal(["pipeline", "receive", "watchdog"], session.GetProperty("children").EnumerateArray().Select(c => c.GetProperty("name").GetString()).Order());
        Assert.Equal($"{ann.Id[^6..]}-pendant", root.GetProperty("sessions")[0].GetProperty("client_id").GetString());
    }

    [Fact]
    public async Task Shutdown_WhileDevicesStream_Sends1001ClosesEveryConversationAndFinishesInTime()
    {
        var server = await TestServer.StartAsync(shutdownTimeout: TimeSpan.FromSeconds(10));
        try
        {
            var (user, token) = await server.CreateUserAsync("ann@example.com");
            var packets = Fixtures.OpusPackets("jfk-20ms.opuspackets");
            var devices = new List<DeviceClient>();
            for (var i = 0; i < 5; i++)
            {
                devices.Add(await DeviceClient.ConnectAsync(server, "/ws_omi", token, $"dev{i}"));
            }

            // Everything is sent, but the server is still reading when the shutdown starts: what
            // the devices sent before the 1001 must still be stored.
            await Task.WhenAll(devices.Select(d => d.SendOpusAsync(packets.Take(100))));
            var closes = devices.Select(d => d.WaitForCloseAsync()).ToList();
            var clean = await server.Server.StopAsync();

            Assert.True(clean);
            foreach (var close in closes)
            {
                Assert.Equal((WebSocketCloseStatus.EndpointUnavailable, "server shutting down"), await close);
            }

            var conversations = await ConversationsAsync(server, user.Id);
            Assert.Equal(5, conversations.Count);
            Assert.All(conversations, c => Assert.Equal(("closed", 32_000L), (c.State, c.SampleCount)));
            Assert.All(conversations, c => Assert.Equal(32_000, WavFile.Read(c.AudioPath!).Samples.Length));
            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
