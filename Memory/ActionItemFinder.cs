using System.Text.RegularExpressions;

namespace FriendLite.Edge.Memory;

/// <summary>
/// Finds the commitments and requests in a sentence ("remind me to", "I need to", "let's", "please
/// buy", "can you call", "I'll send") and makes each an action item: the words after the trigger,
/// without its date and time (resolved into the due moment), cleaned into an imperative ("Call the
/// dentist"). A sentence may hold several ("I need to call Bob and I have to buy milk").
/// </summary>
internal static partial class ActionItemFinder
{
    /// <summary>A description is cut here: an item is a line in a list, the sentence is its context.</summary>
    public const int MaxDescriptionWords = 15;

    /// <summary>"Tomorrow morning at nine, remind me to": a due phrase this close before the trigger is the item's.</summary>
    private const int MaxWordsBeforeTrigger = 6;

    /// <summary>Politeness after the task: "for me", "if you can".</summary>
    private static readonly string[][] s_trailingPhrases =
    [
        ["for", "me"], ["thank", "you"], ["if", "possible"], ["if", "you", "can"], ["when", "you", "can"], ["if", "you", "could"],
        ["first", "thing"], ["at", "some", "point"], ["one", "day"], ["some", "time"],
    ];

    private static readonly Kind[] s_kinds = Enum.GetValues<Kind>();

    /// <summary>The trigger pattern's groups, in its order: group 1 is <see cref="Kind.Reminder"/>, and so on.</summary>
    private enum Kind
    {
        Reminder,
        Ensure,
        Obligation,
        Suggestion,
        Intention,
        Noun,
        Request,
        Imperative,
    }

    public static List<ExtractedActionItem> Find(Sentence sentence, DateTimeOffset now, TimeZoneInfo zone)
    {
        var text = sentence.Text;
        var triggers = Triggers(text, sentence.Words);
        var question = text.TrimEnd().EndsWith('?');
        var items = new List<ExtractedActionItem>();
        for (var k = 0; k < triggers.Count; k++)
        {
            var (index, length, kind) = triggers[k];
            var tailStart = index + length;
            var tailEnd = k + 1 < triggers.Count ? triggers[k + 1].Index : text.Length;

            // "Do I need to bring anything?" asks; "Can you bring the cake?" requests.
            if (question && kind != Kind.Request)
            {
                continue;
            }

            // The due phrase may come shortly before the trigger ("On Friday, remind me to ...").
            var regionStart = k == 0 && CountWords(text.AsSpan(0, index)) <= MaxWordsBeforeTrigger ? 0 : index;
            var tasks = SplitTasks(sentence.Words, tailStart, tailEnd);
            var dues = tasks.Select((t, j) => DueDateResolver.Resolve(text[(j == 0 ? regionStart : t.Start)..t.End], now, zone)).ToArray();
            var itemsBefore = items.Count;
            DateTimeOffset? shared = null;
            for (var j = tasks.Count - 1; j >= 0; j--)
            {
                // "call Bob and buy milk tomorrow": both tomorrow; a task with its own date keeps it.
                shared = dues[j]?.At ?? shared;
                var description = Describe(Cut(text, j == 0 ? regionStart : tasks[j].Start, tasks[j], dues[j]), j == 0 ? kind : Kind.Request, out var priority);
                if (description is not null)
                {
                    items.Insert(itemsBefore, new ExtractedActionItem(description, shared, sentence.Segments) { Context = text, Priority = priority });
                }
            }
        }

        return items;
    }

    /// <summary>One trigger's words split before each further task: "call Bob | and buy milk tomorrow".</summary>
    private static List<(int Start, int End)> SplitTasks(Words words, int start, int end)
    {
        var tasks = new List<(int Start, int End)>();
        var taskStart = start;
        for (var i = 0; i < words.Count; i++)
        {
            if (words.Start(i) < start || words.End(i) > end || words[i] != "and")
            {
                continue;
            }

            // The verb needs an object after it: "buy bread and water" is one task, "and water the plants" another.
            var verb = words[i + 1] == "then" ? i + 2 : i + 1;
            if (verb + 1 < words.Count && words.End(verb + 1) <= end && Vocabulary.ActionVerbs.Contains(words[verb]) && words[verb] != "go")
            {
                tasks.Add((taskStart, words.Start(i)));
                taskStart = words.Start(verb);
            }
        }

        tasks.Add((taskStart, end));
        return tasks;
    }

    /// <summary>The task's words with its due phrase blanked out.</summary>
    private static string Cut(string text, int regionStart, (int Start, int End) task, DueDate? due)
    {
        var words = text.ToCharArray(task.Start, task.End - task.Start);
        foreach (var span in due?.Spans ?? [])
        {
            for (var c = Math.Max(regionStart + span.Start, task.Start); c < Math.Min(regionStart + span.End, task.End); c++)
            {
                words[c - task.Start] = ' ';
            }
        }

        return new string(words);
    }

    /// <summary>The triggers in order, with a plain imperative at the start ("Buy oat milk.") as one.</summary>
    private static List<(int Index, int Length, Kind Kind)> Triggers(string text, Words words)
    {
        var triggers = new List<(int Index, int Length, Kind Kind)>();
        var first = 0;
        while (first < words.Count && Vocabulary.OpeningFillers.Contains(words[first]))
        {
            first++;
        }

        if (Vocabulary.ImperativeVerbs.Contains(words[first]))
        {
            triggers.Add((words.Start(first), 0, Kind.Imperative));
        }

        foreach (Match match in Trigger().Matches(text))
        {
            triggers.Add((match.Index, match.Length, s_kinds.First(k => match.Groups[(int)k + 1].Success)));
        }

        return triggers;
    }

    /// <summary>The imperative description, or null when the words make no task ("let's see", "I have to say").</summary>
    private static string? Describe(string tail, Kind kind, out string? priority)
    {
        priority = null;
        if (Urgent().Match(tail) is { Success: true } urgent)
        {
            priority = "high";
            tail = tail.Remove(urgent.Index, urgent.Length);
        }

        var breaker = ClauseBreak().Match(tail);
        var words = Spaces().Split(breaker.Success ? tail[..breaker.Index] : tail)
            .Select(w => w.Trim(',', ';', ':', '.', '!', '?', '"', ' '))
            .Where(w => w.Length > 0)
            .ToList();
        TrimLeading(words);
        TrimTrailing(words);
        if (words.Count == 0)
        {
            return null;
        }

        var first = words[0].ToLowerInvariant();
        var accepted = kind switch
        {
            Kind.Request or Kind.Intention => Vocabulary.ActionVerbs.Contains(first),
            Kind.Imperative => Vocabulary.ImperativeVerbs.Contains(first) && words.Count >= 2
                && words[1].ToLowerInvariant() is not ("me" or "us") && !words.Skip(1).Any(w => w.ToLowerInvariant() is "is" or "was" or "are" or "were" or "it's"),
            // An explicit reminder is a task whatever its verb ("remind me to leave", "remind me to stretch").
            Kind.Reminder or Kind.Ensure or Kind.Noun => true,
            _ => !Vocabulary.NotTasks.Contains(first),
        };
        if (kind == Kind.Ensure)
        {
            words.InsertRange(0, ["Make", "sure"]);
        }
        else if (kind == Kind.Noun)
        {
            words.Insert(0, "Remember");
        }

        if (!accepted || words.Count < (kind == Kind.Reminder ? 1 : 2) || (words.Count > 1 && IsVague(words, kind)))
        {
            return null;
        }

        var description = string.Join(' ', words.Take(MaxDescriptionWords));
        return char.ToUpperInvariant(description[0]) + description[1..];
    }

    /// <summary>
    /// "Do it", "Go now": nothing left to search for. "Call him back" names its person and stays,
    /// but "I'll call you later" is a goodbye, not a task.
    /// </summary>
    private static bool IsVague(List<string> words, Kind kind) =>
        words.Skip(1).All(w => Vocabulary.VagueWords.Contains(w.ToLowerInvariant()))
        && !words.Skip(1).Any(w => w.ToLowerInvariant() is "him" or "her" or "them" or "me" or "us" || (kind != Kind.Intention && w.Equals("you", StringComparison.OrdinalIgnoreCase)));

    private static int CountWords(ReadOnlySpan<char> text)
    {
        var count = 0;
        foreach (var _ in text.Split(' '))
        {
            count++;
        }

        return count;
    }

    private static void TrimLeading(List<string> words)
    {
        while (words.Count > 0)
        {
            var first = words[0].ToLowerInvariant();
            var second = words.Count > 1 ? words[1].ToLowerInvariant() : "";
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

    private static void TrimTrailing(List<string> words)
    {
        while (words.Count > 0)
        {
            if (words[^1].ToLowerInvariant() is "please" or "okay" or "ok" or "thanks" or "right" or "then" or "and" or "or" or "on"
                or "at" or "by" or "before" or "until" or "till" or "in" or "for" or "to" or "of" or "with" or "the" or "a" or "an"
                or "around" or "about" or "sometime" or "someday" or "soon" or "later" or "eventually")
            {
                words.RemoveAt(words.Count - 1);
                continue;
            }

            var phrase = s_trailingPhrases.FirstOrDefault(p => words.Count > p.Length
                && p.Select((w, i) => (w, i)).All(x => words[words.Count - p.Length + x.i].Equals(x.w, StringComparison.OrdinalIgnoreCase)));
            if (phrase is null)
            {
                return;
            }

            words.RemoveRange(words.Count - phrase.Length, phrase.Length);
        }
    }

    [GeneratedRegex(@"(?<![\w'])(?:(?<Reminder>remind\s+me(?:\s+(?:in|at|on|by|tomorrow|tonight|today|next|this|later|before)\b(?:\s+[\w:']+){0,4}?)?\s+to|remember\s+to|(?:don'?t|do\s+not)\s+forget\s+to|make\s+sure\s+(?:to|you|that\s+you))|(?<Ensure>make\s+sure(?:\s+that)?)|(?<Obligation>(?:i|we)\s+(?:really\s+|still\s+|also\s+|just\s+|definitely\s+)?(?:need|have|ought)\s+to|(?:i|we)(?:'ve|\s+have)?\s+got\s+to|(?:i|we)\s+gotta|(?:i|we)\s+must|(?:i|we)\s+should)|(?<Suggestion>let's|let\s+us)|(?<Intention>i'll|i\s+will|we'll|we\s+will|(?:i'm|i\s+am|we're|we\s+are)\s+going\s+to|(?:i'm|we're)\s+gonna)|(?<Noun>(?:don'?t|do\s+not)\s+forget|remind\s+me\s+(?:about|of))|(?<Request>please|(?:can|could|would|will)\s+you(?:\s+please)?))(?![\w'])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Trigger();

    [GeneratedRegex(@"\b(?:urgently|asap|as soon as possible|right away|immediately|it's urgent)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Urgent();

    /// <summary>Where the task ends and its reason or an aside begins: "because", "but", ", so", ", which".</summary>
    [GeneratedRegex(@"\s(?:because|'cause|but|although|though|otherwise|so\s+that|whereas)\b|,\s*(?:so|which|and\s+then\s+i|since)\b|;|:\s|\s-\s", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ClauseBreak();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
