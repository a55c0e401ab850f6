using System.CommandLine;
using System.CommandLine.Invocation;

namespace FriendLite.Edge.Cli;

/// <summary>
/// <c>--help</c> for every command. System.CommandLine's own help prints each default with
/// <c>ToString()</c> (<c>00:00:10</c>, <c>Info</c>) and cannot be told otherwise since 2.0, so the
/// options carry their defaults, as they are typed, in their descriptions (<see cref="CliOptions"/>)
/// and this writes the descriptions as they are: each default once.
/// </summary>
internal sealed class HelpWriter : SynchronousCommandLineAction
{
    private const string Indent = "  ";

    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        var output = parseResult.InvocationConfiguration.Output;
        Write(parseResult.CommandResult.Command, output, WidthOf(output));
        return 0;
    }

    /// <summary>Installs this help on a tree's <c>--help</c>, which every command inherits.</summary>
    public static void Install(RootCommand root)
    {
        foreach (var option in root.Options)
        {
            if (option is System.CommandLine.Help.HelpOption)
            {
                option.Description = "Show this help.";
                option.Action = new HelpWriter();
            }
            else if (option is VersionOption)
            {
                option.Description = "Show the version.";
            }
        }
    }

    public static void Write(Command command, TextWriter output, int width)
    {
        var path = CommandLine.PathOf(command);
        var arguments = command.Arguments.Where(a => !a.Hidden).ToList();
        var options = command.Options.Concat(Ancestors(command).SelectMany(c => c.Options).Where(o => o.Recursive)).Where(o => !o.Hidden).ToList();
        var usage = new List<string> { path };
        if (command.Subcommands.Count > 0)
        {
            usage.Add("<COMMAND>");
        }

        usage.AddRange(arguments.Select(ArgumentLabel));
        usage.AddRange(options.Where(o => o.Required).Select(o => $"{o.Name} <{ValueName(o)}>"));
        usage.Add("[options]");
        output.WriteLine($"Usage: {string.Join(' ', usage)}");
        output.WriteLine();
        if (!string.IsNullOrEmpty(command.Description))
        {
            output.WriteLine(command.Description);
            output.WriteLine();
        }

        Section(output, "Arguments:", arguments.Select(a => (ArgumentLabel(a), a.Description ?? "")).ToList(), width);
        Section(output, "Options:", options.Select(o => (OptionLabel(o), o.Description ?? "")).ToList(), width);
        var subcommands = command.Subcommands.Where(c => !c.Hidden).ToList();
        Section(output, "Commands:", subcommands.Select(c => (string.Join(' ', c.Arguments.Where(a => !a.Hidden).Select(ArgumentLabel).Prepend(c.Name)), c.Description ?? "")).ToList(), width);
        if (subcommands.Count > 0)
        {
            output.WriteLine($"Run '{path} <COMMAND> --help' for a command's options.");
            output.WriteLine();
        }
    }

    private static IEnumerable<Command> Ancestors(Command command)
    {
        for (var parent = command.Parents.OfType<Command>().FirstOrDefault(); parent is not null; parent = parent.Parents.OfType<Command>().FirstOrDefault())
        {
            yield return parent;
        }
    }

    public static string ArgumentLabel(Argument argument) =>
        $"<{argument.HelpName ?? argument.Name}>{(argument.Arity.MaximumNumberOfValues > 1 ? "..." : "")}";

    private static string ValueName(Option option) => option.HelpName ?? option.Name.TrimStart('-').ToUpperInvariant();

    private static string OptionLabel(Option option)
    {
        var names = string.Join(", ", option.Aliases.Where(a => !a.StartsWith('/')).Append(option.Name).OrderBy(n => n.Length).ThenBy(n => n, StringComparer.Ordinal));
        var takesValue = option.ValueType != typeof(bool) && option.ValueType != typeof(void) && option.Arity.MaximumNumberOfValues > 0;
        return $"{names}{(takesValue ? $" <{ValueName(option)}>" : "")}{(option.Required ? " (required)" : "")}";
    }

    private static void Section(TextWriter output, string title, List<(string Label, string Text)> rows, int width)
    {
        if (rows.Count == 0)
        {
            return;
        }

        output.WriteLine(title);
        var column = rows.Max(r => r.Label.Length) + 2;
        foreach (var (label, text) in rows)
        {
            var lines = Wrap(text, width - Indent.Length - column);
            output.WriteLine($"{Indent}{label.PadRight(column)}{lines[0]}".TrimEnd());
            foreach (var line in lines.Skip(1))
            {
                output.WriteLine($"{Indent}{new string(' ', column)}{line}");
            }
        }

        output.WriteLine();
    }

    /// <summary>Words to lines of at most <paramref name="width"/>; unwrapped when the column would be too narrow to read.</summary>
    private static List<string> Wrap(string text, int width)
    {
        if (width < 30 || text.Length <= width)
        {
            return [text];
        }

        var lines = new List<string>();
        var line = "";
        foreach (var word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line);
                line = word;
            }
            else
            {
                line = line.Length == 0 ? word : $"{line} {word}";
            }
        }

        lines.Add(line);
        return lines;
    }

    /// <summary>A terminal's width; no wrapping for a pipe or a file, where lines are read by programs.</summary>
    private static int WidthOf(TextWriter output)
    {
        try
        {
            return output == Console.Out && !Console.IsOutputRedirected ? Console.WindowWidth : int.MaxValue;
        }
        catch (IOException)
        {
            return int.MaxValue;
        }
    }
}
