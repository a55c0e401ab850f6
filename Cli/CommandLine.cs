using System.CommandLine;
using System.CommandLine.Help;

namespace FriendLite.Edge.Cli;

/// <summary>Parses and invokes a command tree with this project's exit codes: 2 for bad flags, the action's code otherwise.</summary>
internal static class CommandLine
{
    public const int UsageError = 2;
    public const string ProgramName = "friendlite-edge";

    public static async Task<int> InvokeAsync(RootCommand root, string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
        {
            var command = parse.CommandResult.Command;
            var path = command == root ? ProgramName : $"{ProgramName} {command.Name}";
            await error.WriteLineAsync($"error: {parse.Errors[0].Message}");
            await error.WriteLineAsync($"Run '{path} --help' for usage.");
            return UsageError;
        }

        var configuration = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            // The serve command handles SIGTERM/SIGINT itself, with its own shutdown deadline.
            ProcessTerminationTimeout = null,
        };
        return await parse.InvokeAsync(configuration, cancellationToken);
    }
}
