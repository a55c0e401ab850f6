using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using FriendLite.Edge.Connections;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Connections;

/// <summary>Each connection limit, set low so its effect shows quickly: what is refused, what is said, what is counted, and that everyone else is still served.</summary>
public sealed class ConfiguredLimitsTests
{
    [Fact]
    public async Task OneAddressOverItsShare_Gets429_WhileOtherAddressesAreServed()
    {
        var lines = new LogLines();
        await using var server = await StartAsync(l => l with { MaxConnectionsPerAddress = 5 }, lines);
        var held = Enumerable.Range(0, 5).Select(_ => RawHttp.Connect(server.Port, "127.0.0.2")).ToList();
        try
        {
            await WaitForAsync(() => server.Server.Gate.Open == 5);

            var refused = await RawHttp.SendAsync(server.Port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", from: "127.0.0.2");
            var health = await RawHttp.SendAsync(server.Port, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); // 127.0.0.1 has its own share

            Assert.Equal(429, refused.Status);
            Assert.Equal("5", refused.Header("Retry-After"));
            Assert.Contains("maximum of 5 connections", Detail(refused), StringComparison.Ordinal);
            Assert.Equal(200, health.Status);
            Assert.Equal(1, server.Server.Gate.Counters[ConnectionEnd.AddressFull]);
            var line = await lines.WaitForAsync("warn connections: refused reason=address_full");
            Assert.Contains("remote=127.0.0.2", line, StringComparison.Ordinal);
        }
        finally
        {
            held.ForEach(s => s.Dispose());
        }

        // The share comes back as the connections close.
        await WaitForAsync(() => server.Server.Gate.Open == 0);
        Assert.Equal(200, (await RawHttp.SendAsync(server.Port, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", from: "127.0.0.2")).Status);
    }

    [Fact]
    public async Task ServerAtItsConnectionCap_Answers503AndCloses_ThenRecovers()
    {
        await using var server = await StartAsync(l => l with { MaxConnections = 16 });
        var held = Enumerable.Range(0, 16).Select(i => RawHttp.Connect(server.Port, $"127.0.1.{i + 1}")).ToList();
        try
        {
            await WaitForAsync(() => server.Server.Gate.Open == 16);

            var refused = await RawHttp.SendAsync(server.Port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");

            Assert.Equal(503, refused.Status);
            Assert.True(refused.ClosedByServer);
            Assert.Contains("maximum of 16 connections", Detail(refused), StringComparison.Ordinal);
        }
        finally
        {
            held.ForEach(s => s.Dispose());
        }

        await WaitForAsync(() => server.Server.Gate.Open == 0);
        using var health = await server.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task KeptAliveConnection_IsClosedAfterTheIdleTimeout_WithNothingSent()
    {
        await using var server = await StartAsync(l => l with { KeepAliveTimeout = TimeSpan.FromMilliseconds(500) });
        using var socket = RawHttp.Connect(server.Port);
        await socket.SendAsync("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());

        var answer = await RawHttp.ReadAsync(socket, TimeSpan.FromSeconds(15));

        Assert.True(answer.ClosedByServer);
        Assert.Equal(200, answer.Status); // the one response, then a quiet close: nothing more was said
        Assert.Single(answer.Text.Split("HTTP/1.1 "), p => p.Length > 0);
        Assert.Equal(1, server.Server.Gate.Counters[ConnectionEnd.Idle]);
    }

    [Fact]
    public async Task BodyTricklingBelowTheMinimumRate_IsCut_AndCounted()
    {
        var lines = new LogLines();
        await using var server = await StartAsync(l => l with { BodyGracePeriod = TimeSpan.FromMilliseconds(300), MinBodyBytesPerSecond = 1000 }, lines);
        using var socket = RawHttp.Connect(server.Port);
        await socket.SendAsync("POST /auth/jwt/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nu"u8.ToArray());
        var trickle = Task.Run(async () =>
        {
            try
            {
                for (var i = 0; i < 100; i++)
                {
                    await Task.Delay(100);
                    await socket.SendAsync("s"u8.ToArray());
                }
            }
            catch (SocketException)
            {
                // cut, as expected
            }
        });

        var answer = await RawHttp.ReadAsync(socket, TimeSpan.FromSeconds(8));
        await trickle;

        Assert.True(answer.ClosedByServer);
        Assert.Equal(1, server.Server.Gate.Counters[ConnectionEnd.BodyTooSlow]);
        Assert.Contains(lines.Lines, l => l.StartsWith("warn connections: refused reason=body_too_slow", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ManyRefusals_AreAllCounted_ButLoggedOncePerInterval()
    {
        var lines = new LogLines();
        await using var server = await StartAsync(l => l, lines);

        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(400, (await RawHttp.SendAsync(server.Port, "NOT HTTP\r\n\r\n")).Status);
        }

        Assert.Single(lines.Lines, l => l.StartsWith("warn connections: refused reason=bad_request", StringComparison.Ordinal));
        var (_, admin) = await server.CreateUserAsync("root@example.com", admin: true);
        using var client = server.ClientWithToken(admin);
        using var debug = JsonDocument.Parse(await client.GetStringAsync("/api/debug/sessions"));
        var connections = debug.RootElement.GetProperty("connections");
        Assert.Equal(30, connections.GetProperty("ended").GetProperty("bad_request").GetInt64());
        Assert.True(connections.GetProperty("accepted").GetInt64() >= 30);
    }

    [Fact]
    public async Task ChunkedLogin_IsDecodedAndServed_OnAConnectionKeptForTheNextRequest()
    {
        await using var server = await StartAsync(l => l);
        await server.CreateUserAsync("ann@example.com");
        var form = "username=ann%40example.com&password=correct+horse+battery";
        var chunked = $"{10:x}\r\n{form[..10]}\r\n{form.Length - 10:x};ext=1\r\n{form[10..]}\r\n0\r\nX-Trailer: t\r\n\r\n";

        using var socket = RawHttp.Connect(server.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            "POST /auth/jwt/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n" + chunked));
        var first = await RawHttp.ReadAsync(socket, TimeSpan.FromSeconds(2)); // until its answer has come
        await socket.SendAsync("GET /readiness HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"u8.ToArray());
        var second = await RawHttp.ReadAsync(socket, TimeSpan.FromSeconds(10));

        Assert.False(first.ClosedByServer);
        var responses = (first.Text + second.Text).Split("HTTP/1.1 ", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["100", "200", "200"], responses.Select(r => r[..3]));
        Assert.Contains("access_token", responses[1], StringComparison.Ordinal);
        Assert.Contains("\"ready\"", responses[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheHostsInternalPort_RefusesDirectConnections()
    {
        await using var server = await StartAsync(l => l);
        var internalPort = Internal(server);

        var answer = await RawHttp.SendAsync(internalPort, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-FriendLite-Peer: guess 10.0.0.1 1\r\nConnection: close\r\n\r\n");

        Assert.Equal(403, answer.Status);
        Assert.Contains("internal", Detail(answer), StringComparison.Ordinal);
    }

    private static int Internal(TestServer server)
    {
        // The host's port is the only other loopback listener this server opened.
        var listening = File.ReadAllLines("/proc/net/tcp").Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f[3] == "0A" && f[1].StartsWith("0100007F:", StringComparison.Ordinal)).Select(f => Convert.ToInt32(f[1][9..], 16)).ToHashSet();
        return server.Server.Gate.Upstream is { } upstream && listening.Contains(upstream.Port) ? upstream.Port : throw new InvalidOperationException("no host port");
    }

    private static Task<TestServer> StartAsync(Func<ConnectionLimits, ConnectionLimits> limits, LogLines? lines = null) =>
        TestServer.StartAsync(log: lines?.Log, configure: o => o with { Connections = limits(o.Connections) });

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the gate never reached the expected state");
            await Task.Delay(10);
        }
    }

    private static string Detail(RawAnswer answer)
    {
        using var json = JsonDocument.Parse(answer.Body);
        return json.RootElement.GetProperty("detail").GetString()!;
    }
}
