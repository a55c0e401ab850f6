using System.CommandLine;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Cli;

/// <summary>
/// After a mistake the CLI names the command to ask for help with, by its full path, and a command
/// that does not exist is an error naming it, never the root help with exit 0.
/// </summary>
public sealed class UsageHintTests
{
    /// <summary>Every command that runs something (no subcommands), as its path: "token create", "serve", ...</summary>
    public static TheoryData<string> LeafCommands()
    {
        var data = new TheoryData<string>();
        foreach (var path in Leaves(Commands.Root(TextWriter.Null, TextWriter.Null), ""))
        {
            data.Add(path);
        }

        return data;

        static IEnumerable<string> Leaves(Command command, string path) =>
            command.Subcommands.Count == 0
                ? [path]
                : command.Subcommands.SelectMany(c => Leaves(c, path.Length == 0 ? c.Name : $"{path} {c.Name}"));
    }

    [Theory]
    [MemberData(nameof(LeafCommands))]
    public async Task AnyCommand_UnknownFlag_ExitsTwoAndNamesItsFullPathForHelp(string command)
    {
        var (code, output, error) = await CliRunner.RunRootAsync([.. command.Split(' '), "--no-such-flag"]);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        var lines = error.TrimEnd('\n').Split('\n');
        Assert.Contains("error: Unrecognized command or argument '--no-such-flag'.", lines);
        Assert.All(lines[..^1], line => Assert.StartsWith("error: ", line, StringComparison.Ordinal));
        Assert.Equal($"Run 'friendlite-edge {command} --help' for usage.", lines[^1]);
    }

    [Theory]
    [InlineData("token create --lifetime 5x", "--lifetime '5x' has an unknown unit 'x'", "token create")]
    [InlineData("user add --email", "Required argument missing for option: '--email'.", "user add")]
    [InlineData("model synth --size huge", "--size 'huge' is not one of tiny, base, small.", "model synth")]
    [InlineData("jobs retry x", "'x' is not a job id: give the number 'friendlite-edge jobs list' shows.", "jobs retry")]
    [InlineData("user delete", "Option '--email' is required.", "user delete")]
    [InlineData("jobs retry", "friendlite-edge jobs retry needs <ID>: the job's id, as 'jobs list' shows it.", "jobs retry")]
    [InlineData("transcribe --model m.bin", "friendlite-edge transcribe needs <FILE>...: WAV files: PCM 8/16/24/32-bit or 32-bit float, any rate and channels.", "transcribe")]
    [InlineData("model download", "friendlite-edge model download needs <NAME>: a model from 'model list', e.g. base.en.", "model download")]
    public async Task BadFlag_HintNamesTheFullCommand(string args, string expected, string command)
    {
        var (code, _, error) = await CliRunner.RunRootAsync(args.Split(' '));

        Assert.Equal(2, code);
        Assert.Contains($"error: {expected}", error, StringComparison.Ordinal);
        Assert.EndsWith($"\nRun 'friendlite-edge {command} --help' for usage.\n", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("create --help")]
    [InlineData("create")]
    public async Task UnknownCommand_ThatIsASubcommandElsewhere_IsAnErrorSuggestingIt(string args)
    {
        var (code, output, error) = await CliRunner.RunRootAsync(args.Split(' '));

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal(
            "error: 'create' is not a friendlite-edge command (did you mean 'friendlite-edge token create'?); "
            + "the commands are serve, status, doctor, loadgen, transcribe, model, jobs, user, token, backup, restore and install.\n"
            + "Run 'friendlite-edge --help' for usage.\n",
            error);
    }

    [Fact]
    public async Task UnknownCommand_IsAnErrorListingTheRealOnes()
    {
        var (code, output, error) = await CliRunner.RunRootAsync(["frobnicate"]);

        Assert.Equal((2, ""), (code, output));
        Assert.Equal(
            "error: 'frobnicate' is not a friendlite-edge command; the commands are serve, status, doctor, loadgen, transcribe, model, jobs, user, token, backup, restore and install.\n"
            + "Run 'friendlite-edge --help' for usage.\n",
            error);
    }

    [Fact]
    public async Task UnknownSubcommand_IsAnErrorListingItsSiblings()
    {
        var (code, output, error) = await CliRunner.RunRootAsync(["user", "remove", "--help"]);

        Assert.Equal((2, ""), (code, output));
        Assert.Equal(
            "error: 'remove' is not a friendlite-edge user command; the commands are add, list, delete, passwd, deactivate and activate.\n"
            + "Run 'friendlite-edge user --help' for usage.\n",
            error);
    }

    [Theory]
    [InlineData("", "friendlite-edge needs a command: serve, status, doctor, loadgen, transcribe, model, jobs, user, token, backup, restore or install.", "friendlite-edge")]
    [InlineData("jobs", "friendlite-edge jobs needs a command: list, retry or cancel.", "friendlite-edge jobs")]
    public async Task GroupWithoutACommand_SaysWhichItTakes(string args, string expected, string command)
    {
        var (code, _, error) = await CliRunner.RunRootAsync(args.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.Equal(2, code);
        Assert.Equal($"error: {expected}\nRun '{command} --help' for usage.\n", error);
    }
}
