using System.Net;
using System.Net.Sockets;
using FriendLite.Edge.Server;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Server;

/// <summary><c>--metrics-listen HOST:PORT</c>: a second port serving only <c>GET /metrics</c>, without a token.</summary>
public sealed class MetricsListenTests
{
    [Fact]
    public async Task MetricsListen_ServesMetricsWithoutAToken_AndNothingElse()
    {
        var port = TestServer.FreePort();
        await using var server = await TestServer.StartAsync(configure: o => o with { MetricsListen = new ListenAddress("127.0.0.1", port) });
        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        using var metrics = await scraper.GetAsync("/metrics");
        using var health = await scraper.GetAsync("/health");
        using var publicMetrics = await server.Client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("friendlite_up 1\n", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, health.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, publicMetrics.StatusCode); // the public port still asks for an admin
    }

    [Fact]
    public async Task MetricsListen_Stop_ClosesItsPort()
    {
        var port = TestServer.FreePort();
        var server = await TestServer.StartAsync(configure: o => o with { MetricsListen = new ListenAddress("127.0.0.1", port) });

        await server.DisposeAsync();

        using var again = new TcpListener(IPAddress.Loopback, port);
        again.Start(); // would throw if the server had left it bound
        Assert.True(again.Server.IsBound);
    }

    [Fact]
    public Task Serve_MetricsPortTaken_ExitsOneNamingThePort() =>
        TakenPort.AssertRefusedAsync("--metrics-listen", (options, taken) => options with { MetricsListen = new ListenAddress("127.0.0.1", taken) });

    [Theory]
    [InlineData("9100")]
    [InlineData("localhost")]
    [InlineData("127.0.0.1:70000")]
    [InlineData("::1:9100")]
    [InlineData(":9100")]
    public async Task Serve_MalformedMetricsListen_ExitsTwoWithOneSentence(string value)
    {
        var (code, _, error) = await CliRunner.RunRootAsync(["serve", "--metrics-listen", value]);

        Assert.Equal(2, code);
        Assert.Contains($"--metrics-listen '{value}' is not HOST:PORT (e.g. 127.0.0.1:9100, or [::1]:9100 for IPv6).", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_MetricsListenOnTheServersOwnPort_ExitsTwo()
    {
        var (code, _, error) = await CliRunner.RunRootAsync(["serve", "--port", "8123", "--metrics-listen", "127.0.0.1:8123"]);

        Assert.Equal(2, code);
        Assert.Contains("--metrics-listen 127.0.0.1:8123 uses the server's own --port 8123: give it another port.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_MetricsListenOnTheDefaultPort_ExitsTwo()
    {
        var (code, _, error) = await CliRunner.RunRootAsync(["serve", "--metrics-listen", "127.0.0.1:8000"]);

        Assert.Equal(2, code);
        Assert.Contains("--metrics-listen 127.0.0.1:8000 uses the server's own --port 8000: give it another port.", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:9100", "127.0.0.1", 9100)]
    [InlineData("0.0.0.0:1", "0.0.0.0", 1)]
    [InlineData("[::1]:9100", "::1", 9100)]
    [InlineData("pi.local:9100", "pi.local", 9100)]
    public void ListenAddress_Parse_ReadsHostAndPort(string text, string host, int port)
    {
        Assert.Equal(new ListenAddress(host, port), ListenAddress.Parse(text));
    }
}
