using System.Net;
using System.Net.Sockets;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.HomeAssistant;
using FriendLite.Edge.Server;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.HomeAssistant;

/// <summary><c>serve --wyoming-listen</c> and <c>--wyoming-store</c>: refused in one sentence when they cannot work.</summary>
public sealed class WyomingListenOptionTests
{
    [Fact]
    public async Task WithoutAnEngine_ExitsTwoSayingWhatToAdd()
    {
        var (code, _, error) = await CliRunner.RunRootAsync(["serve", "--wyoming-listen", "127.0.0.1:10300"]);

        Assert.Equal(2, code);
        Assert.Contains("--wyoming-listen 127.0.0.1:10300 transcribes with the server's engine: give --model (or --asr) too.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreWithoutListen_ExitsTwo()
    {
        var (code, _, error) = await CliRunner.RunRootAsync(["serve", "--wyoming-store"]);

        Assert.Equal(2, code);
        Assert.Contains("--wyoming-store and --wyoming-zeroconf are about the server --wyoming-listen starts: give --wyoming-listen HOST:PORT too.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ZeroconfWithoutListen_ExitsTwo()
    {
        var (code, _, error) = await CliRunner.RunRootAsync(["serve", "--wyoming-zeroconf"]);

        Assert.Equal(2, code);
        Assert.Contains("give --wyoming-listen HOST:PORT too.", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:8000")]
    [InlineData("0.0.0.0:9100")]
    public async Task OnAPortTheServerAlreadyUses_ExitsTwo(string listen)
    {
        var (code, _, error) = await CliRunner.RunRootAsync(["serve", "--model", "m.bin", "--metrics-listen", "127.0.0.1:9100", "--wyoming-listen", listen]);

        Assert.Equal(2, code);
        Assert.Contains($"--wyoming-listen {listen} uses a port the server already listens on", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotHostAndPort_ExitsTwo()
    {
        var (code, _, error) = await CliRunner.RunRootAsync(["serve", "--model", "m.bin", "--wyoming-listen", "10300"]);

        Assert.Equal(2, code);
        Assert.Contains("--wyoming-listen '10300' is not HOST:PORT", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APortTaken_ExitsOneNamingIt_AndThePublicPortIsFreedAgain()
    {
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var taken = ((IPEndPoint)other.LocalEndpoint).Port;
        using var dir = new TempDirectory();
        using var lines = new LogLines(LogLevel.Info);
        var options = new ServerOptions("127.0.0.1", TestServer.FreePort(), dir.Path, LogLevel.Info, Offline: true, TimeSpan.FromSeconds(5))
        {
            ModelPath = Fixtures.Path("ggml-tiny.en-for-tests.bin"),
            Wyoming = new SpeechServerOptions("127.0.0.1", taken),
        };

        var code = await ServeCommand.RunAsync(options, lines.Log, CancellationToken.None);

        Assert.Equal(1, code);
        Assert.Equal($"error server: Port {taken} on 127.0.0.1 is already in use by another program: stop it or choose another port with --wyoming-listen.",
            Assert.Single(lines.Lines, l => l.StartsWith("error", StringComparison.Ordinal)));
        using var main = new TcpListener(IPAddress.Loopback, options.Port);
        main.Start(); // the public port, bound before, was closed again
    }
}
