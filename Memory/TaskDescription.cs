namespace FriendLite.Edge.Memory;

/// <summary>
/// Turns the words after a trigger into an action item's description: the reason and asides cut
/// off ("because my tooth hurts"), urgency taken out into the priority, adverbs and politeness
/// trimmed ("just", "for me", "please"), first letter capitalised ("Call the dentist"); or null
/// when what is left makes no task ("let's see", "I have to say", "do it").
/// </summary>
internal static class TaskDescription
{
    /// <summary>A description is cut here: an item is a line in a list, the sentence is its context.</summary>
    public const int MaxWords = 15;

    /// <summary>Politeness after the task: "for me", "if you can".</summary>
    private static readonly string[][] s_trailingPhrases =
    [
        ["for", "me"], ["thank", "you"], ["if", "possible"], ["if", "you", "can"], ["when", "you", "can"], ["if", "you", "could"],
        ["first", "thing"], ["at", "some", "point"], ["one", "day"], ["some", "time"],
    ];

    /// <summary>The imperative description, or null when the words make no task ("let's see", "I have to say").</summary>
    public static string? Describe(string tail, TriggerKind kind, out string? priority)
    {
        priority = null;
        var words = new List<(string Written, string Lower)>();
        for (var position = 0; position < tail.Length;)
        {
            if (tail[position] == ' ')
            {
                position++;
                continue;
            }

            var end = tail.IndexOf(' ', position);
            end = end < 0 ? tail.Length : end;
            var piece = tail.AsSpan(position, end - position);
            position = end;

            // The task ends where an aside begins: "; ", ": ", " - ", ", so", ", which", ", since".
            if (piece is "-" or "–")
            {
                break;
            }

            var word = piece.Trim(",;:.!?\"");
            if (word.Length > 0)
            {
                words.Add((word.ToString(), word.ToString().ToLowerInvariant()));
            }

            if (piece[^1] is ';' or ':' || (piece[^1] == ',' && IsAsideAfterComma(tail.AsSpan(position))))
            {
                break;
            }
        }

        var cut = words.FindIndex(w => w.Lower is "because" or "'cause" or "but" or "although" or "though" or "otherwise" or "whereas");
        var soThat = words.FindIndex(w => w.Lower == "so");
        cut = soThat > 0 && soThat + 1 < words.Count && words[soThat + 1].Lower == "that" && (cut < 0 || soThat < cut) ? soThat : cut;
        if (cut >= 0)
        {
            words.RemoveRange(cut, words.Count - cut);
        }

        priority = RemoveUrgency(words) ? "high" : null;
        TrimLeading(words);
        TrimTrailing(words);
        if (words.Count == 0)
        {
            return null;
        }

        var first = words[0].Lower;
        var accepted = kind switch
        {
            TriggerKind.Request or TriggerKind.Intention => Vocabulary.ActionVerbs.Contains(first),
            TriggerKind.Imperative => Vocabulary.ImperativeVerbs.Contains(first) && words.Count >= 2 && words[1].Lower is not ("me" or "us")
                && !words.Exists(w => w.Lower is "is" or "was" or "are" or "were" or "it's"),
            // An explicit reminder is a task whatever its verb ("remind me to leave", "remind me to stretch").
            TriggerKind.Reminder or TriggerKind.Ensure or TriggerKind.Noun => true,
            _ => !Vocabulary.NotTasks.Contains(first),
        };
        if (kind == TriggerKind.Ensure)
        {
            words.InsertRange(0, [("Make", "make"), ("sure", "sure")]);
        }
        else if (kind == TriggerKind.Noun)
        {
            words.Insert(0, ("Remember", "remember"));
        }

        if (!accepted || words.Count < (kind == TriggerKind.Reminder ? 1 : 2) || (words.Count > 1 && IsVague(words, kind)))
        {
            return null;
        }

        var description = string.Join(' ', words.Take(MaxWords).Select(w => w.Written));
        return char.ToUpperInvariant(description[0]) + description[1..];
    }

    /// <summary>A comma that ends the task: ", so", ", which", ", since", ", and then I".</summary>
    private static bool IsAsideAfterComma(ReadOnlySpan<char> rest)
    {
        var after = rest.TrimStart();
        return after.StartsWith("so ", StringComparison.OrdinalIgnoreCase) || after.StartsWith("which", StringComparison.OrdinalIgnoreCase)
            || after.StartsWith("since", StringComparison.OrdinalIgnoreCase) || after.StartsWith("and then i ", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>"urgently", "asap", "as soon as possible", "right away", "immediately": removed, and the item is high priority.</summary>
    private static bool RemoveUrgency(List<(string Written, string Lower)> words)
    {
        for (var i = 0; i < words.Count; i++)
        {
            var length = words[i].Lower switch
            {
                "urgently" or "asap" or "immediately" => 1,
                "right" when i + 1 < words.Count && words[i + 1].Lower == "away" => 2,
                "it's" when i + 1 < words.Count && words[i + 1].Lower == "urgent" => 2,
                "as" when i + 3 < words.Count && words[i + 1].Lower == "soon" && words[i + 2].Lower == "as" && words[i + 3].Lower == "possible" => 4,
                _ => 0,
            };
            if (length > 0)
            {
                words.RemoveRange(i, length);
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// "Do it", "Go now": nothing left to search for. "Call him back" names its person and stays,
    /// but "I'll call you later" is a goodbye, not a task.
    /// </summary>
    private static bool IsVague(List<(string Written, string Lower)> words, TriggerKind kind)
    {
        for (var i = 1; i < words.Count; i++)
        {
            var word = words[i].Lower;
            if (!Vocabulary.VagueWords.Contains(word) || word is "him" or "her" or "them" or "me" or "us" || (word == "you" && kind != TriggerKind.Intention))
            {
                return false;
            }
        }

        return true;
    }

    private static void TrimLeading(List<(string Written, string Lower)> words)
    {
        while (words.Count > 0)
        {
            var first = words[0].Lower;
            var second = words.Count > 1 ? words[1].Lower : "";
            if (Vocabulary.LeadingAdverbs.Contains(first) || first == "to")
            {
                words.RemoveAt(0);
            }
            else if ((first is "have" or "need" or "got" or "try" && second is "to") || (first is "go" or "try" && second is "and"))
            {
                // "I'll have to call", "I'll try to call", "go and buy": the task is the second verb.
                words.RemoveRange(0, 2);
            }
            else
            {
                return;
            }
        }
    }

    private static void TrimTrailing(List<(string Written, string Lower)> words)
    {
        while (words.Count > 0)
        {
            if (words[^1].Lower is "please" or "okay" or "ok" or "thanks" or "right" or "then" or "and" or "or" or "on"
                or "at" or "by" or "before" or "until" or "till" or "in" or "for" or "to" or "of" or "with" or "the" or "a" or "an"
                or "around" or "about" or "sometime" or "someday" or "soon" or "later" or "eventually")
            {
                words.RemoveAt(words.Count - 1);
                continue;
            }

            var length = TrailingPhraseLength(words);
            if (length == 0)
            {
                return;
            }

            words.RemoveRange(words.Count - length, length);
        }
    }

    /// <summary>How many of the last words are politeness ("for me", "if you can"); 0 when none.</summary>
    private static int TrailingPhraseLength(List<(string Written, string Lower)> words)
    {
        foreach (var phrase in s_trailingPhrases)
        {
            var offset = words.Count - phrase.Length;
            var k = 0;
            while (offset > 0 && k < phrase.Length && words[offset + k].Lower == phrase[k])
            {
                k++;
            }

            if (k == phrase.Length)
            {
                return phrase.Length;
            }
        }

        return 0;
    }
}
