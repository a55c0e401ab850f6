namespace FriendLite.Edge.Memory;

/// <summary>
/// Which transcript segments a memory or action item came from, when its maker did not say (an
/// LLM sees text, not segment ids): the lines sharing the most words of three letters or more with it.
/// </summary>
internal static class SourceSegments
{
    public static IReadOnlyList<long> Find(string text, IReadOnlyList<TranscriptLine> lines)
    {
        var words = Words(text);
        if (words.Count == 0 || lines.Count == 0)
        {
            return [];
        }

        var scored = lines.Select(l => (l.SegmentId, Shared: Words(l.Text).Count(words.Contains))).Where(s => s.Shared > 0).ToList();
        if (scored.Count == 0)
        {
            return [];
        }

        var best = scored.Max(s => s.Shared);
        return [.. scored.Where(s => s.Shared == best).Select(s => s.SegmentId)];
    }

    private static HashSet<string> Words(string text) =>
        text.ToLowerInvariant().Split((char[])[' ', ',', '.', '!', '?', ';', ':', '"', '(', ')'], StringSplitOptions.RemoveEmptyEntries)
            .Where(w => w.Length >= 3).ToHashSet(StringComparer.Ordinal);
}
