using System.Text;

namespace FriendLite.Edge.Storage;

/// <summary>
/// What a person typed, as an FTS5 query that can only ever mean "documents with any of these
/// words, best first": each word is quoted, so FTS5's own syntax (<c>AND</c>, <c>NEAR</c>,
/// <c>col:</c>, <c>*</c>, an unbalanced <c>"</c>) is searched for as text, never interpreted.
/// </summary>
internal static class FullTextQuery
{
    /// <summary>More words than this add nothing to a ranking but cost time.</summary>
    private const int MaxWords = 32;

    /// <summary>The query, or null when the text holds no word to search for.</summary>
    public static string? From(string? text)
    {
        var words = Words(text);
        return words.Count == 0 ? null : string.Join(" OR ", words.Select(w => $"\"{w}\""));
    }

    /// <summary>The distinct words of what a person typed (letters and digits; everything else separates them).</summary>
    public static IReadOnlyList<string> Words(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        var words = new List<string>();
        var word = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune))
            {
                word.Append(rune.ToString());
                continue;
            }

            Flush(word, words);
        }

        Flush(word, words);
        // "lives in Lyon" is a search for "lives" and "Lyon": a word that is in most documents ranks
        // nothing but costs a ranking of most of them. A query of nothing else keeps them.
        var distinct = words.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var topical = distinct.Where(w => !s_stopWords.Contains(w)).ToList();
        return [.. (topical.Count > 0 ? topical : distinct).Take(MaxWords)];
    }

    /// <summary>English words too common to search by (articles, pronouns, auxiliaries, prepositions).</summary>
    private static readonly System.Collections.Frozen.FrozenSet<string> s_stopWords = System.Collections.Frozen.FrozenSet.ToFrozenSet(
    [
        "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "by", "for", "with", "from", "as", "into", "about",
        "is", "are", "was", "were", "be", "been", "am", "do", "does", "did", "have", "has", "had", "will", "would", "can", "could",
        "i", "me", "my", "we", "our", "you", "your", "he", "him", "his", "she", "her", "it", "its", "they", "them", "their",
        "this", "that", "these", "those", "there", "what", "which", "who", "when", "where", "how", "so", "if", "not", "no",
    ], StringComparer.OrdinalIgnoreCase);

    /// <summary>Marks <c>highlight()</c> puts around each matched word, so <see cref="Score"/> can count them.</summary>
    public const string MarkOpen = "\u0001";

    public const string MarkClose = "\u0002";

    /// <summary>
    /// A 0..1 score a person can set a threshold on: mostly how many of the query's words the
    /// document matched (bm25 alone says little in a small collection, where a common word's
    /// weight drops to nearly nothing), plus bm25's rank mapped through x / (1 + x) to order
    /// documents that match as many words. <paramref name="highlighted"/> is the matched
    /// columns' text with each match between <see cref="MarkOpen"/> and <see cref="MarkClose"/>.
    /// </summary>
    public static double Score(double rank, int queryWords, params string[] highlighted)
    {
        var matched = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var text in highlighted)
        {
            var at = 0;
            while ((at = text.IndexOf(MarkOpen, at, StringComparison.Ordinal)) >= 0)
            {
                var end = text.IndexOf(MarkClose, at, StringComparison.Ordinal);
                if (end < 0)
                {
                    break;
                }

                matched.Add(text[(at + 1)..end]);
                at = end + 1;
            }
        }

        var coverage = queryWords == 0 ? 0 : Math.Min(1.0, (double)matched.Count / queryWords);
        var x = Math.Max(0, -rank);
        return Math.Round((0.8 * coverage) + (0.2 * x / (1 + x)), 4);
    }

    private static void Flush(StringBuilder word, List<string> words)
    {
        if (word.Length > 0)
        {
            words.Add(word.ToString());
            word.Clear();
        }
    }
}
