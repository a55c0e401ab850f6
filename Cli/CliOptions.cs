using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Cli;

/// <summary>
/// Option factories shared by every command. An option may also read an environment variable,
/// <c>FRIENDLITE_&lt;OPTION&gt;</c> unless named otherwise (a flag on the command line wins); a bad
/// value from either source is a parse error naming its source, so the command exits 2 with one
/// sentence. Help shows the variable and the default as they are typed (<c>10s</c>, <c>info</c>), once.
/// </summary>
internal static class CliOptions
{
    public static string EnvironmentName(string option) =>
        "FRIENDLITE_" + option.TrimStart('-').Replace('-', '_').ToUpperInvariant();

    /// <summary>
    /// An option with a value. <paramref name="shown"/> is the default as help shows it (default: the
    /// fallback as it is typed; "" shows none); <paramref name="environment"/> names its variable
    /// (default: <see cref="EnvironmentName"/>; "" reads none, for what only makes sense per run).
    /// </summary>
    public static Option<T> Create<T>(string name, string description, string valueName, Func<T> fallback, Func<string, T> parse,
        string? shown = null, string? environment = null)
    {
        var variable = environment ?? EnvironmentName(name);
        return Remember(new Option<T>(name)
        {
            Description = Describe(description, variable, shown ?? Show(fallback())),
            HelpName = valueName,
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
                return TryParse(result, parse, text, $"{name} '{text}'", fallback);
            },
            DefaultValueFactory = result =>
            {
                var text = variable.Length > 0 ? Environment.GetEnvironmentVariable(variable) : null;
                return string.IsNullOrEmpty(text) ? fallback() : TryParse(result, parse, text, $"{variable}='{text}'", fallback);
            },
        }, () =>
        {
            var text = variable.Length > 0 ? Environment.GetEnvironmentVariable(variable) : null;
            return string.IsNullOrEmpty(text) ? fallback() : parse(text);
        });
    }

    /// <summary>
    /// An option's value where a command's validator sees it: as given on the command line, or else
    /// from its variable or its fallback, as the command will get it. (A validator runs before the
    /// parser fills in defaults: <c>GetValue</c> there returns 0, false or null for an option not typed.)
    /// Throws <see cref="InvalidOperationException"/> or <see cref="FormatException"/> when the value does
    /// not parse (the option reports that itself).
    /// </summary>
    public static T? ValueIn<T>(System.CommandLine.Parsing.CommandResult result, Option<T> option) =>
        result.GetResult(option) is not null || !s_defaults.TryGetValue(option, out var fallback) ? result.GetValue(option) : (T?)fallback();

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Option, Func<object?>> s_defaults = [];

    private static Option<T> Remember<T>(Option<T> option, Func<T> fallback)
    {
        s_defaults.Add(option, () => fallback());
        return option;
    }

    /// <summary>A description followed by where else the value may come from and what it is without one.</summary>
    public static string Describe(string description, string? variable, string? shown) =>
        description
        + (string.IsNullOrEmpty(variable) ? "" : $" [env: {variable}]")
        + (string.IsNullOrEmpty(shown) ? "" : $" [default: {shown}]");

    /// <summary>A value as a person types it: durations in Duration's syntax, levels in lower case.</summary>
    private static string? Show(object? value) => value switch
    {
        null or bool => null,
        TimeSpan duration => Cli.Duration.Format(duration),
        Enum level => level.ToString().ToLowerInvariant(),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>A switch: present means true; the environment accepts 1/0, true/false, yes/no, on/off.</summary>
    public static Option<bool> Flag(string name, string description)
    {
        var variable = EnvironmentName(name);
        return Remember(new Option<bool>(name)
        {
            Description = Describe(description, variable, null),
            DefaultValueFactory = result =>
            {
                var text = Environment.GetEnvironmentVariable(variable);
                return string.IsNullOrEmpty(text) ? false : TryParse(result, ParseBoolean, text, $"{variable}='{text}'", () => false);
            },
        }, () => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } text && ParseBoolean(text));
    }

    /// <summary>A whole number from <paramref name="minimum"/> to <paramref name="maximum"/>.</summary>
    public static Option<int> WholeNumber(string name, string description, int fallback, int minimum, int maximum, string? shown = null, string? environment = null) =>
        Create(name, description, "N", () => fallback, text => ParseWholeNumber(text, minimum, maximum), shown, environment);

    public static int ParseWholeNumber(string text, int minimum, int maximum) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= minimum && value <= maximum
            ? value
            : throw new FormatException($"is not a whole number from {minimum} to {maximum}");

    public static Option<int> Port(int fallback) =>
        Create("--port", "TCP port to listen on.", "PORT", () => fallback, text =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
                ? port
                : throw new FormatException("is not a port number from 1 to 65535"));

    public static Option<string> Host() =>
        Create("--host", "Address to listen on (0.0.0.0 for every interface, 127.0.0.1 for this machine only).", "ADDRESS", () => "0.0.0.0", text =>
            text.Length > 0 && !text.Contains('/', StringComparison.Ordinal) && !text.Contains(' ', StringComparison.Ordinal)
                ? text
                : throw new FormatException("is not a host name or IP address"));

    /// <summary>The data directory; help names the service's too when the default is another (not run as root).</summary>
    public static Option<string> DataDirectory()
    {
        var shown = Storage.DataDirectory.Default();
        return Create("--data-dir",
            shown == Storage.DataDirectory.System ? "Where the database, audio and secrets are kept." : $"Where the database, audio and secrets are kept (a service run as root: {Storage.DataDirectory.System}).",
            "DIR", Storage.DataDirectory.Default, text => text.Length > 0 ? text : throw new FormatException("is empty"), shown);
    }

    public static Option<LogLevel> LogLevel() =>
        Create("--log-level", "Least severe log lines to write: debug, info, warn or error.", "LEVEL", () => Diagnostics.LogLevel.Info, text =>
            text.ToLowerInvariant() switch
            {
                "debug" or "trace" => Diagnostics.LogLevel.Debug,
                "info" or "information" => Diagnostics.LogLevel.Info,
                "warn" or "warning" => Diagnostics.LogLevel.Warn,
                "error" => Diagnostics.LogLevel.Error,
                _ => throw new FormatException("is not one of debug, info, warn, error"),
            });

    public static Option<TimeSpan> Duration(string name, string description, TimeSpan fallback, TimeSpan minimum, TimeSpan maximum,
        string examples = "500ms, 10s, 2m", string? environment = null) =>
        Create(name, $"{description} (e.g. {examples}).", "DURATION", () => fallback, text =>
        {
            var value = Cli.Duration.Parse(text);
            return value >= minimum && value <= maximum
                ? value
                : throw new FormatException($"must be between {Cli.Duration.Format(minimum)} and {Cli.Duration.Format(maximum)}");
        }, environment: environment);

    private static bool ParseBoolean(string text) => text.ToLowerInvariant() switch
    {
        "1" or "true" or "yes" or "on" => true,
        "0" or "false" or "no" or "off" => false,
        _ => throw new FormatException("is not a boolean (use true or false)"),
    };

    private static T TryParse<T>(ArgumentResult result, Func<string, T> parse, string text, string what, Func<T> fallback)
    {
        try
        {
            return parse(text);
        }
        catch (FormatException ex)
        {
            result.AddError($"{what} {ex.Message}.");
            return fallback();
        }
    }
}
