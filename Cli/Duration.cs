using System.Globalization;

namespace FriendLite.Edge.Cli;

/// <summary>Durations as people write them in flags and config: <c>500ms</c>, <c>10s</c>, <c>2m</c>, <c>1h</c>, <c>365d</c>; a bare number is seconds.</summary>
internal static class Duration
{
    public static TimeSpan Parse(string text)
    {
        var s = text.Trim().ToLowerInvariant();
        var (number, unit) = Split(s);
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || double.IsInfinity(value))
        {
            throw new FormatException("is not a duration (use e.g. 500ms, 10s, 2m, 1h, 7d)");
        }

        var seconds = unit switch
        {
            "ms" => value / 1000,
            "" or "s" => value,
            "m" or "min" => value * 60,
            "h" => value * 3600,
            "d" => value * 86400,
            _ => throw new FormatException($"has an unknown unit '{unit}' (use ms, s, m, h or d)"),
        };
        if (seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            throw new FormatException("is too long");
        }

        return TimeSpan.FromSeconds(seconds);
    }

    public static string Format(TimeSpan value) => value switch
    {
        { TotalMilliseconds: < 1000 } => $"{value.TotalMilliseconds:0}ms",
        { TotalSeconds: < 120 } => $"{value.TotalSeconds:0.###}s",
        { TotalMinutes: < 120 } => $"{value.TotalMinutes:0.###}m",
        { TotalHours: < 48 } => $"{value.TotalHours:0.###}h",
        _ => $"{value.TotalDays:0.###}d",
    };

    private static (string Number, string Unit) Split(string s)
    {
        var i = 0;
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
        {
            i++;
        }

        return (s[..i], s[i..].Trim());
    }
}
