using System.Text;
using System.Text.RegularExpressions;

namespace FriendLite.Edge.Memory;

/// <summary>
/// Consolidation without a model: a new fact that says the same as a stored memory is not stored
/// twice, and an explicit negation ("I no longer like tea", "I don't drink coffee anymore", "I
/// even "I no longer like tea, I drink coffee now") deletes the memory it negates ("I like tea")
/// and is stored itself. Anything
/// else is added. Deterministic, so the same conversation always consolidates the same way.
/// </summary>
internal static partial class LocalConsolidation
{
    public static IReadOnlyList<MemoryDecision> Decide(IReadOnlyList<string> newFacts, IReadOnlyList<StoredMemory> similar)
    {
        var decisions = new List<MemoryDecision>();
        var known = similar.Select(m => (m.Id, Key: Normalize(m.Text))).ToList();
        var deleted = new HashSet<long>();
        foreach (var fact in newFacts)
        {
            var key = Normalize(fact);
            if (key.Length == 0 || known.Any(m => m.Key == key) || decisions.Any(d => d.Event == MemoryEvent.Add && Normalize(d.Text) == key))
            {
                continue;
            }

            if (Negated(key) is { } affirmative)
            {
                foreach (var (id, _) in known.Where(m => (affirmative == m.Key || affirmative.StartsWith(m.Key + " ", StringComparison.Ordinal)) && deleted.Add(m.Id)))
                {
                    decisions.Add(new MemoryDecision(MemoryEvent.Delete, id, ""));
                }
            }

            decisions.Add(new MemoryDecision(MemoryEvent.Add, null, fact));
        }

        return decisions;
    }

    /// <summary>
    /// The statement a negation takes back, normalized, or null when it is none. The subject is
    /// "I" or the extractor's "User": "user no longer likes tea" takes back "user likes tea", "i
    /// don't drink coffee anymore" "i drink coffee", "user doesn't drink coffee anymore" "user drinks coffee".
    /// </summary>
    internal static string? Negated(string key)
    {
        var match = NoLonger().Match(key);
        if (match.Success)
        {
            return $"{match.Groups["subject"].Value} {match.Groups["rest"].Value}";
        }

        match = NotAnymore().Match(key);
        if (!match.Success)
        {
            return null;
        }

        var subject = match.Groups["subject"].Value;
        var verb = subject == "i" ? match.Groups["verb"].Value : FirstPersonRewriter.ThirdPerson(match.Groups["verb"].Value);
        return $"{subject} {verb} {match.Groups["rest"].Value}".TrimEnd();
    }

    /// <summary>Lower case, words only, single spaces: two phrasings that differ in case or punctuation are one fact.</summary>
    internal static string Normalize(string text)
    {
        var builder = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text.ToLowerInvariant().Replace("'m ", " am ", StringComparison.Ordinal).Replace("\u2019", "'", StringComparison.Ordinal))
        {
            if (char.IsLetterOrDigit(c) || c == '\'')
            {
                if (space && builder.Length > 0)
                {
                    builder.Append(' ');
                }

                builder.Append(c);
                space = false;
            }
            else
            {
                space = true;
            }
        }

        return builder.ToString();
    }

    [GeneratedRegex(@"^(?<subject>i|user) (?:no longer|don't any longer|doesn't any longer) (?<rest>.+)$")]
    private static partial Regex NoLonger();

    [GeneratedRegex(@"^(?<subject>i|user) (?:don't|do not|dont|doesn't|does not|doesnt) (?<verb>\w+) ?(?<rest>.*?) (?:anymore|any more)$")]
    private static partial Regex NotAnymore();
}
