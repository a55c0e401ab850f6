using System.CommandLine;
using FriendLite.Edge.Cli;
using FriendLite.Edge.Server;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Cli;

/// <summary>The CLI as a user meets it: exit codes and the one sentence printed for a mistake.</summary>
[Collection(SerialTests.Name)]
public sealed class CommandLineTests
{
    [Fact]
    public async Task Help_ListsServeAndExitsZero()
    {
        var (code, output, _) = await RunAsync("--help");

        Assert.Equal(0, code);
        Assert.Contains("serve", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeHelp_ListsEveryOptionWithItsEnvironmentVariable()
    {
        var (code, output, _) = await RunAsync("serve", "--help");

        Assert.Equal(0, code);
        foreach (var option in new[] { "--host", "--port", "--data-dir", "--log-level", "--offline", "--shutdown-timeout", "--max-realtime-factor", "--min-free-disk", "--max-upload-size" })
        {
            Assert.Contains(option, output, StringComparison.Ordinal);
            Assert.Contains(CliOptions.EnvironmentName(option), output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("--port", "0", "--port '0' is not a port number from 1 to 65535.")]
    [InlineData("--port", "http", "--port 'http' is not a port number from 1 to 65535.")]
    [InlineData("--log-level", "loud", "--log-level 'loud' is not one of debug, info, warn, error.")]
    [InlineData("--shutdown-timeout", "soon", "--shutdown-timeout 'soon' is not a duration")]
    [InlineData("--shutdown-timeout", "2w", "--shutdown-timeout '2w' has an unknown unit 'w'")]
    [InlineData("--transcription-queue", "-1", "--transcription-queue '-1' is not a whole number from 0 to 100000.")]
    [InlineData("--threads", "0", "--threads '0' is not a whole number from 1 to 256.")]
    [InlineData("--max-sessions", "lots", "--max-sessions 'lots' is not a whole number from 1 to 100000.")]
    [InlineData("--max-realtime-factor", "0.5", "--max-realtime-factor '0.5' is not a number from 1 to 1000 (or 0 for no limit).")]
    [InlineData("--max-realtime-factor", "fast", "--max-realtime-factor 'fast' is not a number from 1 to 1000 (or 0 for no limit).")]
    [InlineData("--min-free-disk", "lots", "--min-free-disk 'lots' is not a size (e.g. 500M, 2G, 5%).")]
    [InlineData("--min-free-disk", "2X", "--min-free-disk '2X' is not a size (e.g. 500M, 2G, 5%).")]
    [InlineData("--min-free-disk", "-1G", "--min-free-disk '-1G' is not a size (e.g. 500M, 2G, 5%).")]
    [InlineData("--min-free-disk", "80%", "--min-free-disk '80%' is more than 50%.")]
    [InlineData("--max-upload-size", "5%", "--max-upload-size '5%' is not a size above zero (e.g. 500M, 2G).")]
    [InlineData("--max-upload-size", "0", "--max-upload-size '0' is not a size above zero (e.g. 500M, 2G).")]
    [InlineData("--max-upload-size", "huge", "--max-upload-size 'huge' is not a size above zero (e.g. 500M, 2G).")]
    public async Task Serve_BadFlagValue_ExitsTwoWithOneSentence(string flag, string value, string expected)
    {
        var (code, _, error) = await RunAsync("serve", flag, value);

        Assert.Equal(2, code);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"error: {expected}", lines[0], StringComparison.Ordinal);
        Assert.Equal("Run 'friendlite-edge serve --help' for usage.", lines[1].TrimEnd());
    }

    [Fact]
    public async Task Serve_UnknownFlag_ExitsTwo()
    {
        var (code, _, error) = await RunAsync("serve", "--colour");

        Assert.Equal(2, code);
        Assert.Contains("--colour", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_BadEnvironmentValue_ExitsTwoNamingTheVariable()
    {
        Environment.SetEnvironmentVariable("FRIENDLITE_PORT", "eighty");
        try
        {
            var (code, _, error) = await RunAsync("serve");

            Assert.Equal(2, code);
            Assert.StartsWith("error: FRIENDLITE_PORT='eighty' is not a port number", error, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("FRIENDLITE_PORT", null);
        }
    }

    [Fact]
    public async Task Serve_EnvironmentValue_IsUsedAndFlagWins()
    {
        var root = new RootCommand { ServeCommand.Create() };
        Environment.SetEnvironmentVariable("FRIENDLITE_PORT", "8123");
        Environment.SetEnvironmentVariable("FRIENDLITE_OFFLINE", "yes");
        try
        {
            var serve = root.Subcommands[0];
            var fromEnv = root.Parse(["serve"]);
            var fromFlag = root.Parse(["serve", "--port", "9000"]);

            Assert.Empty(fromEnv.Errors);
            Assert.Equal(8123, fromEnv.GetValue<int>("--port"));
            Assert.True(fromEnv.GetValue<bool>("--offline"));
            Assert.Equal(9000, fromFlag.GetValue<int>("--port"));
            Assert.Equal("serve", serve.Name);
        }
        finally
        {
            Environment.SetEnvironmentVariable("FRIENDLITE_PORT", null);
            Environment.SetEnvironmentVariable("FRIENDLITE_OFFLINE", null);
        }
    }

    [Fact]
    public async Task NoCommand_ExitsTwo()
    {
        var (code, _, error) = await RunAsync();

        Assert.Equal(2, code);
        Assert.Contains("--help", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("10s", 10_000)]
    [InlineData("10", 10_000)]
    [InlineData("1.5m", 90_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("365d", 31_536_000_000)]
    public void Duration_Parse_ReadsUnits(string text, long milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Duration.Parse(text));
    }

    private static Task<(int Code, string Output, string Error)> RunAsync(params string[] args) =>
        CliRunner.RunAsync((_, _) => [ServeCommand.Create()], args);
}
