using System.CommandLine;
using FriendLite.Edge.Cli;

namespace FriendLite.Edge.Tests.Support;

/// <summary>Runs commands in-process as the binary would, capturing what they print.</summary>
internal static class CliRunner
{
    public static async Task<(int Code, string Output, string Error)> RunAsync(Func<TextWriter, TextWriter, IEnumerable<Command>> commands, string[] args)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var root = new RootCommand("test");
        foreach (var command in commands(output, error))
        {
            root.Subcommands.Add(command);
        }

        var code = await CommandLine.InvokeAsync(root, args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Runs the binary's whole command tree; <paramref name="password"/> answers any password prompt.</summary>
    public static async Task<(int Code, string Output, string Error)> RunRootAsync(string[] args, string? password = null)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var code = await CommandLine.InvokeAsync(Commands.Root(output, error, _ => password), args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
