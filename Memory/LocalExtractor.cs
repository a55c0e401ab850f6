namespace FriendLite.Edge.Memory;

/// <summary>
/// The offline extractor: turns a conversation into action items, memories, a title and a summary
/// with word rules and no model, so it works on the Pi with no network and gives the same answer
/// for the same transcript every time (microseconds per sentence). Its parts: sentences
/// (<see cref="SentenceSplitter"/>), commitments and requests (<see cref="ActionItemFinder"/>) with
/// their due moments (<see cref="DueDateResolver"/>), facts (<see cref="MemoryFinder"/>) and the
/// title (<see cref="TitleMaker"/>). A sentence that gave an action item gives no memory.
/// </summary>
internal static class LocalExtractor
{
    /// <summary>An hour of talk with a task a minute: more are repeats or a misfire.</summary>
    public const int MaxActionItems = 50;

    /// <summary>A summary is one sentence; an unpunctuated run is cut here.</summary>
    public const int MaxSummaryWords = 30;

    public static Extraction Extract(ConversationText conversation)
    {
        var now = conversation.LocalStart;
        var items = new List<ExtractedActionItem>();
        var meaningful = new List<Sentence>();
        var rest = new List<Sentence>();
        foreach (var sentence in SentenceSplitter.Split(conversation.Lines))
        {
            if (IsFiller(new Words(sentence.Text)))
            {
                continue;
            }

            meaningful.Add(sentence);
            var found = ActionItemFinder.Find(sentence, now, conversation.Zone);
            if (found.Count == 0)
            {
                rest.Add(sentence);
                continue;
            }

            // The same task said twice ("call the dentist ... yes, call the dentist") is one item.
            items.AddRange(found.Where(f => !items.Any(i => i.DueAt == f.DueAt && i.Description.Equals(f.Description, StringComparison.OrdinalIgnoreCase))));
        }

        if (items.Count > MaxActionItems)
        {
            items.RemoveRange(MaxActionItems, items.Count - MaxActionItems);
        }

        var memories = MemoryFinder.Find(rest);
        return new Extraction(TitleMaker.Make(items, memories, meaningful), Summary(meaningful), memories, items, ExtractionSource.Local);
    }

    /// <summary>A sentence of greetings, thanks and back-channel words only ("Good morning.", "Okay, thanks.").</summary>
    public static bool IsFiller(Words words)
    {
        for (var i = 0; i < words.Count; i++)
        {
            if (!Vocabulary.FillerWords.Contains(words[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The first sentence of at least three words that is not a greeting.</summary>
    private static string? Summary(List<Sentence> meaningful)
    {
        foreach (var sentence in meaningful)
        {
            var words = sentence.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 3)
            {
                continue;
            }

            var summary = words.Length <= MaxSummaryWords ? sentence.Text : string.Join(' ', words.Take(MaxSummaryWords)).TrimEnd(',', ';') + "…";
            return char.ToUpperInvariant(summary[0]) + summary[1..];
        }

        return null;
    }
}
