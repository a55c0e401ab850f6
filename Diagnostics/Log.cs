using System.Text;

namespace FriendLite.Edge.Diagnostics;

internal enum LogLevel
{
    Debug = 0,
    Info = 1,
    Warn = 2,
    Error = 3,
}

/// <summary>
/// One small structured logger: one line per event, <c>level component: message key=value ...</c>.
/// journald adds its own timestamps, so lines carry one only when stderr is a terminal.
/// Thread-safe: each line is built first and written with a single call under a lock.
/// </summary>
internal sealed class Log
{
    private readonly TextWriter _writer;
    private readonly bool _timestamps;
    private readonly Lock _gate = new();

    public Log(TextWriter writer, LogLevel minimum, bool timestamps)
    {
        _writer = writer;
        Minimum = minimum;
        _timestamps = timestamps;
    }

    public LogLevel Minimum { get; }

    /// <summary>A logger for tests and commands that must stay quiet.</summary>
    public static Log Null { get; } = new(TextWriter.Null, LogLevel.Error, timestamps: false);

    public static Log ForConsole(LogLevel minimum) =>
        new(Console.Error, minimum, timestamps: !Console.IsErrorRedirected);

    public bool IsEnabled(LogLevel level) => level >= Minimum;

    public void Debug(string component, string message, params ReadOnlySpan<(string Key, object? Value)> fields) =>
        Write(LogLevel.Debug, component, message, fields);

    public void Info(string component, string message, params ReadOnlySpan<(string Key, object? Value)> fields) =>
        Write(LogLevel.Info, component, message, fields);

    public void Warn(string component, string message, params ReadOnlySpan<(string Key, object? Value)> fields) =>
        Write(LogLevel.Warn, component, message, fields);

    public void Error(string component, string message, params ReadOnlySpan<(string Key, object? Value)> fields) =>
        Write(LogLevel.Error, component, message, fields);

    /// <summary>
    /// A refusal a flood could repeat thousands of times a second (a limit, a malformed request):
    /// written at most once per <paramref name="key"/> every 10 s, and the line that is written
    /// says how many were held back since the last one.
    /// </summary>
    public void Refusal(LogLevel level, string key, string component, string message, params ReadOnlySpan<(string Key, object? Value)> fields)
    {
        if (!IsEnabled(level) || !_refusals.Allow(key, out var heldBack))
        {
            return;
        }

        (string Key, object? Value)[] all = [.. fields, ("not_logged_since_last", heldBack)];
        Write(level, component, message, all);
    }

    private readonly LogThrottle _refusals = new(TimeProvider.System, LogThrottle.DefaultInterval);

    /// <summary>Logs an exception: its message at the given level, the stack trace only at debug level.</summary>
    public void Exception(LogLevel level, string component, string message, Exception exception)
    {
        if (!IsEnabled(level))
        {
            return;
        }

        Write(level, component, message, [("error", exception.GetType().Name), ("reason", Reasons.Of(exception))]);
        if (IsEnabled(LogLevel.Debug))
        {
            Write(LogLevel.Debug, component, "stack trace", [("trace", exception.ToString())]);
        }
    }

    private void Write(LogLevel level, string component, string message, ReadOnlySpan<(string Key, object? Value)> fields)
    {
        if (level < Minimum)
        {
            return;
        }

        var line = new StringBuilder(128);
        if (_timestamps)
        {
            line.Append(DateTimeOffset.Now.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture)).Append(' ');
        }

        line.Append(LevelName(level)).Append(' ').Append(component).Append(": ").Append(message);
        foreach (var (key, value) in fields)
        {
            line.Append(' ').Append(key).Append('=');
            AppendValue(line, value);
        }

        lock (_gate)
        {
            _writer.WriteLine(line.ToString());
            _writer.Flush();
        }
    }

    private static void AppendValue(StringBuilder line, object? value)
    {
        var text = value switch
        {
            null => "null",
            bool b => b ? "true" : "false",
            IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        if (text.Length > 0 && !text.AsSpan().ContainsAny(" \"=\n\t"))
        {
            line.Append(text);
            return;
        }

        line.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': line.Append("\\\""); break;
                case '\\': line.Append("\\\\"); break;
                case '\n': line.Append("\\n"); break;
                case '\t': line.Append("\\t"); break;
                default: line.Append(c); break;
            }
        }

        line.Append('"');
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Debug => "debug",
        LogLevel.Info => "info",
        LogLevel.Warn => "warn",
        _ => "error",
    };
}
