using System.CommandLine;
using System.Text.RegularExpressions;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Cli;

/// <summary>
/// Every command's --help as a newcomer reads it: values shown as they are typed (10s, info),
/// each default once, value names in capitals, and only what exists today.
/// </summary>
[Collection(SerialTests.Name)]
public sealed partial class HelpTests
{
    /// <summary>Every command's path, the root ("") and the groups included.</summary>
    public static TheoryData<string> AllCommands()
    {
        var data = new TheoryData<string>();
        foreach (var path in Paths(Commands.Root(TextWriter.Null, TextWriter.Null), ""))
        {
            data.Add(path);
        }

        return data;

        static IEnumerable<string> Paths(Command command, string path) =>
            command.Subcommands.SelectMany(c => Paths(c, path.Length == 0 ? c.Name : $"{path} {c.Name}")).Prepend(path);
    }

    [Theory]
    [MemberData(nameof(AllCommands))]
    public async Task Help_ReadsAsAPersonWritesIt(string command)
    {
        var (code, output, error) = await HelpAsync(command);

        Assert.Equal((0, ""), (code, error));
        Assert.StartsWith("Usage:", output, StringComparison.Ordinal);
        Assert.Contains($"friendlite-edge {command}".TrimEnd(), output, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\d\d:\d\d:\d\d", output);
        Assert.DoesNotContain("[default: Info]", output, StringComparison.Ordinal);
        Assert.DoesNotContain("web page", output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("memory extraction", output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("16-bit PCM WAV", output, StringComparison.Ordinal);
        Assert.DoesNotMatch("System\\.|Int32|Int64|TimeSpan|MinFreeDisk", output);
        foreach (var line in output.Split('\n'))
        {
            Assert.True(DefaultMention().Count(line) <= 1, $"a default shown twice: {line}");
            Assert.DoesNotMatch(@"^\s+--[a-z-]+ <[a-z-]+>", line);
        }
    }

    [Theory]
    [InlineData("serve", "--shutdown-timeout", "[env: FRIENDLITE_SHUTDOWN_TIMEOUT] [default: 10s]")]
    [InlineData("serve", "--idle-timeout", "[default: 60s]")]
    [InlineData("serve", "--conversation-timeout", "[default: 90s]")]
    [InlineData("serve", "--drain-timeout", "[default: 30s]")]
    [InlineData("serve", "--token-lifetime", "[env: FRIENDLITE_TOKEN_LIFETIME] [default: 24h]")]
    [InlineData("serve", "--log-level", "[env: FRIENDLITE_LOG_LEVEL] [default: info]")]
    [InlineData("serve", "--min-free-disk", "[default: 1G]")]
    [InlineData("serve", "--max-upload-size", "[env: FRIENDLITE_MAX_UPLOAD_SIZE] [default: 1G]")]
    [InlineData("serve", "--port", "[env: FRIENDLITE_PORT] [default: 8000]")]
    [InlineData("loadgen", "--log-level", "[default: info]")]
    [InlineData("token create", "--lifetime", "[default: 365d]")]
    [InlineData("model synth", "--size", "[default: tiny]")]
    [InlineData("jobs list", "--limit", "[default: 50]")]
    public async Task Help_ShowsTheDefaultAsItIsTyped(string command, string option, string expected)
    {
        var line = await OptionLineAsync(command, option);

        Assert.EndsWith(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadgenHelp_AudioNamesTheFormatsItReads()
    {
        var line = await OptionLineAsync("loadgen", "--audio");

        Assert.Contains("PCM of 8 to 32 bit (integer) or 32-bit float", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenCreateHelp_LifetimeHasNoGenericEnvironmentVariable()
    {
        var (_, output, _) = await HelpAsync("token create");

        Assert.DoesNotContain("FRIENDLITE_LIFETIME", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("user list")]
    [InlineData("serve")]
    [InlineData("model download")]
    public async Task Help_DataDirectoryDefaultIsShownOnce(string command)
    {
        var line = await OptionLineAsync(command, "--data-dir");

        Assert.Single(DefaultMention().Matches(line));
        Assert.Contains("[env: FRIENDLITE_DATA_DIR]", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeHelp_SaysWhatItServesToday()
    {
        var (_, output, _) = await HelpAsync("serve");

        Assert.Contains("device WebSockets and the REST API", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RootHelp_SaysHowToStart()
    {
        var (_, output, _) = await HelpAsync("");

        Assert.Contains("Start it with 'friendlite-edge serve --data-dir DIR', then create an administrator with 'friendlite-edge user add --email EMAIL --admin --data-dir DIR'.",
            output, StringComparison.Ordinal);
        Assert.Contains("Run 'friendlite-edge <COMMAND> --help' for a command's options.", output, StringComparison.Ordinal);
    }

    private static async Task<string> OptionLineAsync(string command, string option)
    {
        var (code, output, _) = await HelpAsync(command);
        Assert.Equal(0, code);
        return Assert.Single(output.Split('\n'), l => l.TrimStart().StartsWith(option + " ", StringComparison.Ordinal)).TrimEnd();
    }

    private static Task<(int Code, string Output, string Error)> HelpAsync(string command) =>
        CliRunner.RunRootAsync([.. command.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"]);

    [GeneratedRegex("default", RegexOptions.IgnoreCase)]
    private static partial Regex DefaultMention();
}
