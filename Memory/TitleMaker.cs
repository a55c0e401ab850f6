using System.Collections.Frozen;

namespace FriendLite.Edge.Memory;

/// <summary>
/// A title of at most six words from what the conversation is about: the object of each action
/// item ("Call the dentist": dentist) and the subject of each memory ("The glass furnace runs
/// at ...": glass furnace), in the order they were said: "Dentist, glass furnace and oat milk".
/// Without either, its most frequent content words. Deterministic: the same words, the same title.
/// </summary>
internal static class TitleMaker
{
    public const int MaxWords = 6;

    private const int MaxTopics = 3;

    private const int MaxTopicWords = 2;

    /// <summary>Verbs and adjectives memories are made of ("likes", "allergic"): never the topic.</summary>
    private static readonly FrozenSet<string> s_notTopics = new[]
    {
        "like", "likes", "love", "loves", "hate", "hates", "prefer", "prefers", "enjoy", "enjoys", "allergic", "live",
        "lives", "work", "works", "drink", "drinks", "eat", "eats", "play", "plays", "go", "goes", "want", "wants",
        "need", "needs", "use", "uses", "born", "make", "sure", "remember", "up", "off", "out", "back", "away",
        "favourite", "favorite", "vegetarian", "vegan",
    }.ToFrozenSet(StringComparer.Ordinal);

    public static string? Make(IReadOnlyList<ExtractedActionItem> items, IReadOnlyList<ExtractedMemory> memories, IReadOnlyList<Sentence> meaningful)
    {
        var said = items.Select((item, order) => (Segment: FirstSegment(item.Segments), Order: order, Topic: Topic(item.Description, skipFirst: true)))
            .Concat(memories.Select((memory, order) => (Segment: FirstSegment(memory.Segments), Order: items.Count + order, Topic: Topic(memory.Text, skipFirst: false))))
            .Where(t => t.Topic is not null)
            .OrderBy(t => t.Segment)
            .ThenBy(t => t.Order)
            .Select(t => t.Topic!);
        var topics = Fit(said);
        if (topics.Count == 0)
        {
            topics = Fit(FrequentWords(meaningful));
        }

        if (topics.Count == 0)
        {
            return null;
        }

        var title = topics.Count == 1 ? topics[0] : string.Join(", ", topics[..^1]) + " and " + topics[^1];
        return char.ToUpperInvariant(title[0]) + title[1..];
    }

    private static long FirstSegment(IReadOnlyList<long> segments) => segments.Count > 0 ? segments[0] : 0;

    /// <summary>
    /// The first run of content words. An item's is the object after its verb, whose last two words
    /// name it (English puts the head noun last): "the dentist" gives dentist, "a new phone charger"
    /// phone charger, "oat milk and coffee beans" oat milk. A memory's is its subject, followed by a
    /// verb the lists do not know, so its first two: "The glass furnace runs" gives glass furnace.
    /// In a memory about the user, the verb after "User" is passed over ("User used to live").
    /// </summary>
    private static string? Topic(string text, bool skipFirst)
    {
        var words = new Words(text);
        var run = new List<string>();
        var start = skipFirst || (words[0] == "user" && !Vocabulary.FunctionWords.Contains(words[1])) ? 1 : 0;
        start += words[0] == "user" ? 1 : 0;
        for (var i = start; i < words.Count; i++)
        {
            var word = words[i];
            if (!Vocabulary.FunctionWords.Contains(word) && !s_notTopics.Contains(word) && !char.IsAsciiDigit(word[0]) && word.Length > 1
                && (skipFirst || !LooksLikeVerbOrAdverb(word)))
            {
                run.Add(text[words.Start(i)..words.End(i)]);
            }
            else if (run.Count > 0)
            {
                break;
            }
        }

        return run.Count == 0 ? null : string.Join(' ', skipFirst ? run.TakeLast(MaxTopicWords) : run.Take(MaxTopicWords));
    }

    /// <summary>Topics in order, without repeats, as many as fit in <see cref="MaxWords"/> words with their commas and "and".</summary>
    private static List<string> Fit(IEnumerable<string> topics)
    {
        var chosen = new List<string>();
        var words = 0;
        foreach (var topic in topics)
        {
            if (chosen.Count == MaxTopics || chosen.Any(c => c.Equals(topic, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            // Commas are free; one "and" joins the last two.
            var size = topic.Count(c => c == ' ') + 1;
            if (words + size + (chosen.Count > 0 ? 1 : 0) > MaxWords)
            {
                continue;
            }

            words += size;
            chosen.Add(topic);
        }

        return chosen;
    }

    /// <summary>Content words by how often they were said, then by when first: the fallback topics.</summary>
    private static IEnumerable<string> FrequentWords(IReadOnlyList<Sentence> sentences)
    {
        var counts = new Dictionary<string, (int Count, int First, string Written)>(StringComparer.Ordinal);
        var position = 0;
        foreach (var sentence in sentences)
        {
            var words = new Words(sentence.Text);
            for (var i = 0; i < words.Count; i++, position++)
            {
                var word = words[i];
                if (word.Length < 4 || Vocabulary.FunctionWords.Contains(word) || Vocabulary.FillerWords.Contains(word) || s_notTopics.Contains(word)
                    || Vocabulary.ActionVerbs.Contains(word) || Vocabulary.NotTasks.Contains(word) || Vocabulary.PassingStates.Contains(word)
                    || char.IsAsciiDigit(word[0]) || word.Contains('\'', StringComparison.Ordinal) || LooksLikeVerbOrAdverb(word))
                {
                    continue;
                }

                counts[word] = counts.TryGetValue(word, out var seen) ? (seen.Count + 1, seen.First, seen.Written) : (1, position, word);
            }
        }

        // A word said more than once is a topic; without any, the first words said.
        var repeated = counts.Where(c => c.Value.Count > 1).ToList();
        return (repeated.Count > 0 ? repeated : counts.ToList()).OrderByDescending(c => c.Value.Count).ThenBy(c => c.Value.First).Select(c => c.Value.Written);
    }

    /// <summary>"talked", "lovely": a past form or an adverb (not "speed", "family", "bed").</summary>
    private static bool LooksLikeVerbOrAdverb(string word) =>
        (word.Length >= 5 && word.EndsWith("ed", StringComparison.Ordinal) && !word.EndsWith("eed", StringComparison.Ordinal))
        || (word.Length >= 5 && word.EndsWith("ly", StringComparison.Ordinal) && !word.EndsWith("ily", StringComparison.Ordinal));
}
