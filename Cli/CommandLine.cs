using System.CommandLine;
using System.CommandLine.Parsing;

namespace FriendLite.Edge.Cli;

/// <summary>
/// Parses and invokes a command tree with this project's exit codes: 2 for bad flags and unknown
/// commands, the action's code otherwise. A mistake is one <c>error:</c> line per problem, then the
/// full path of the command to ask for help with.
/// </summary>
internal static class CommandLine
{
    public const int UsageError = 2;
    public const string ProgramName = "friendlite-edge";

    public static async Task<int> InvokeAsync(RootCommand root, string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        HelpWriter.Install(root);
        var parse = root.Parse(args);
        var problems = Problems(parse);
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                await error.WriteLineAsync($"error: {problem}");
            }

            await error.WriteLineAsync($"Run '{PathOf(parse.CommandResult.Command)} --help' for usage.");
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

    /// <summary>The command as it is typed: <c>friendlite-edge token create</c>.</summary>
    public static string PathOf(Command command)
    {
        var names = new List<string>();
        for (Command? c = command; c is not null and not RootCommand; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Add(c.Name);
        }

        names.Add(ProgramName);
        names.Reverse();
        return string.Join(' ', names);
    }

    private static List<string> Problems(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        if (command.Subcommands.Count > 0 && command.Action is null)
        {
            // A group (root, user, model, ...): help asked of an unknown command is still an error,
            // or 'friendlite-edge create --help' would print the root's help and exit 0.
            var names = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
            if (parse.UnmatchedTokens.FirstOrDefault(t => !t.StartsWith('-')) is { } unknown)
            {
                var elsewhere = Suggestion(parse.RootCommandResult.Command, unknown);
                return [$"'{unknown}' is not a {PathOf(command)} command{(elsewhere is null ? "" : $" (did you mean '{elsewhere}'?)")}; the commands are {Join(names, "and")}."];
            }

            if (parse.Errors.Count == 0 || parse.Action is HelpWriter)
            {
                return [];
            }

            return [$"{PathOf(command)} needs a command: {Join(names, "or")}.",
                .. parse.Errors.Where(e => e.SymbolResult is not CommandResult || parse.UnmatchedTokens.Any(t => e.Message.Contains($"'{t}'", StringComparison.Ordinal))).Select(e => e.Message)];
        }

        if (parse.Action is HelpWriter)
        {
            return [];
        }

        // An unknown flag where the command takes arguments would become one ('transcribe --modle m.bin'
        // would look for a WAV file named --modle); after '--' it may.
        var flags = parse.Tokens.Any(t => t.Type == TokenType.DoubleDash)
            ? []
            : parse.CommandResult.Children.OfType<ArgumentResult>().SelectMany(a => a.Tokens).Select(t => t.Value)
                .Where(v => v.Length > 1 && v[0] == '-' && !char.IsAsciiDigit(v[1])).ToList();
        return flags.Select(f => $"Unrecognized command or argument '{f}'.")
            .Concat(parse.Errors.Select(e => Message(e, command)).Where(m => !flags.Any(f => m.Contains($"'{f}'", StringComparison.Ordinal))))
            .Distinct()
            .ToList();
    }

    /// <summary>A parse error; a missing argument is named as help shows it, with what it is ("Required argument missing for command" says neither).</summary>
    private static string Message(ParseError error, Command command) =>
        error.SymbolResult is ArgumentResult { Tokens.Count: 0 } missing && command.Arguments.Contains(missing.Argument) && missing.Argument.Description is { Length: > 0 } what
            ? $"{PathOf(command)} needs {HelpWriter.ArgumentLabel(missing.Argument)}: {InSentence(what)}"
            : error.Message;

    /// <summary>A description continuing a sentence: "The job's id" is "the job's id", "WAV files" stays.</summary>
    private static string InSentence(string text)
    {
        var first = text.Split(' ')[0];
        return first.Length > 1 && first.All(char.IsUpper) ? text : char.ToLowerInvariant(text[0]) + text[1..];
    }

    /// <summary>A command of that name further down the tree, by its full path: 'create' is 'friendlite-edge token create'.</summary>
    private static string? Suggestion(Command root, string name)
    {
        var matches = new List<string>();
        Walk(root);
        return matches.Count == 1 ? matches[0] : null;

        void Walk(Command command)
        {
            foreach (var sub in command.Subcommands)
            {
                if (string.Equals(sub.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    matches.Add(PathOf(sub));
                }

                Walk(sub);
            }
        }
    }

    private static string Join(List<string> names, string conjunction) =>
        names.Count < 2 ? string.Join("", names) : $"{string.Join(", ", names[..^1])} {conjunction} {names[^1]}";
}
