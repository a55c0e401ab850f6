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
            if (IsFiller(sentence.Words))
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

    /// <summary>
    /// The first statement that says something: not a question, with two words beyond greetings
    /// and passing states ("Yeah, not bad, a bit tired." is not one); else the first sentence that
    /// is not a greeting.
    /// </summary>
    private static string? Summary(List<Sentence> meaningful)
    {
        var chosen = meaningful.FirstOrDefault(s => !s.Text.EndsWith('?') && ContentWords(s.Words) >= 2) ?? meaningful.FirstOrDefault();
        if (chosen is null)
        {
            return null;
        }

        var words = chosen.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var summary = words.Length <= MaxSummaryWords ? chosen.Text : string.Join(' ', words.Take(MaxSummaryWords)).TrimEnd(',', ';') + "…";
        return char.ToUpperInvariant(summary[0]) + summary[1..];
    }

    private static int ContentWords(Words words)
    {
        var count = 0;
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            count += Vocabulary.FunctionWords.Contains(word) || Vocabulary.FillerWords.Contains(word) || Vocabulary.PassingStates.Contains(word) ? 0 : 1;
        }

        return count;
    }
}
