using System.Globalization;
using System.Text.RegularExpressions;

namespace FriendLite.Edge.Tests.Support;

/// <summary>
/// Reads what a command's progress reporter printed on stderr: the lines that start with its label,
/// each "LABEL N%" or "LABEL N%: details", and checks what every user relies on: no carriage
/// return outside a terminal, percentages that never go back, the last one 100 %.
/// </summary>
internal static class ProgressLines
{
    /// <summary>The plain (not-a-terminal) lines of one task, checked; returns them with their percentages.</summary>
    public static IReadOnlyList<(int Percent, string Line)> Plain(string error, string label)
    {
        Assert.DoesNotContain('\r', error);
        var lines = error.Split('\n').Where(l => l.StartsWith(label + " ", StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count > 0, $"no line starts with '{label} ':\n{error}");
        var parsed = lines.Select(l => (Percent(l, label), l)).ToList();
        AssertMonotonicTo100(parsed.Select(p => p.Item1).ToList(), error);
        return parsed;
    }

    /// <summary>The frames of one task's in-place line on a terminal (each after a carriage return), trailing padding removed.</summary>
    public static IReadOnlyList<string> Frames(string error, string label)
    {
        var line = error.Split('\n').Single(l => l.Contains(label, StringComparison.Ordinal));
        return line.Split('\r').Select(f => f.TrimEnd(' ')).Where(f => f.Length > 0).ToList();
    }

    public static int Percent(string line, string label)
    {
        var match = Regex.Match(line[label.Length..], @"^ (\d{1,3})%(: .+)?$");
        Assert.True(match.Success, $"not a progress line of '{label}': {line}");
        return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    public static void AssertMonotonicTo100(IReadOnlyList<int> percents, string context)
    {
        Assert.True(percents.Zip(percents.Skip(1)).All(p => p.First <= p.Second), $"percentages went back: {string.Join(", ", percents)}\n{context}");
        Assert.Equal(100, percents[^1]);
        Assert.Single(percents, p => p == 100);
    }
}
