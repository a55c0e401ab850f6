namespace FriendLite.Edge.Memory;

/// <summary>
/// Which transcript segments an LLM memory or action item came from. The model is not asked to
/// cite lines (small local models number them badly, and the prompt stays about content); instead
/// the lines sharing the most content words with the element are its sources. Deterministic and
/// cheap; an element sharing no word with any line has no source segment.
/// </summary>
internal static class LlmSources
{
    private const int MaxSources = 3;

    private static readonly HashSet<string> s_common = new(StringComparer.Ordinal)
    {
        "the", "and", "for", "with", "that", "this", "are", "was", "has", "have", "had", "not", "but", "you",
        "your", "our", "their", "his", "her", "its", "from", "they", "them", "will", "would", "should", "can",
        "about", "into", "some", "any", "all", "one", "also", "just", "very", "really", "get", "got",
    };

    public static IReadOnlyList<long> For(string text, IReadOnlyList<TranscriptLine> lines)
    {
        var words = Words(text);
        if (words.Count == 0)
        {
            return [];
        }

        var scored = lines
            .Select(line => (line.SegmentId, Score: Words(line.Text).Count(words.Contains)))
            .Where(s => s.Score > 0)
            .ToList();
        if (scored.Count == 0)
        {
            return [];
        }

        var best = scored.Max(s => s.Score);
        return [.. scored.Where(s => s.Score == best).Select(s => s.SegmentId).Distinct().Take(MaxSources)];
    }

    /// <summary>Lower-case words of three letters or more, without the commonest ones, crudely stemmed ("likes", "liked" and "like" meet).</summary>
    private static HashSet<string> Words(string text)
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in text.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var word = new string([.. raw.Where(char.IsLetterOrDigit)]);
            if (word.Length >= 3 && !s_common.Contains(word))
            {
                words.Add(word.Length > 4 && (word.EndsWith('s') || word.EndsWith("ed", StringComparison.Ordinal)) ? word.TrimEnd('s', 'd').TrimEnd('e') : word.TrimEnd('e'));
            }
        }

        return words;
    }
}
