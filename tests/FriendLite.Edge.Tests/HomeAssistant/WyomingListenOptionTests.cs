using FriendLite.Edge.HomeAssistant;
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
    public Task APortTaken_ExitsOneNamingIt_AndThePublicPortIsFreedAgain() =>
        TakenPort.AssertRefusedAsync("--wyoming-listen", (options, taken) => options with
        {
            ModelPath = Fixtures.Path("ggml-tiny.en-for-tests.bin"),
            Wyoming = new SpeechServerOptions("127.0.0.1", taken),
        });
}
