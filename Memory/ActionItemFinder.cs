using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace FriendLite.Edge.Memory;

/// <summary>What kind of words made an action item; the trigger pattern's groups, in its order (group 1 is <see cref="Reminder"/>).</summary>
internal enum TriggerKind
{
    /// <summary>"remind me to", "remember to", "don't forget to", "make sure to": a task whatever its verb.</summary>
    Reminder,

    /// <summary>"make sure (that) the door is locked": the description keeps "Make sure".</summary>
    Ensure,

    /// <summary>"I need to", "I have to", "I've got to", "I must", "we should".</summary>
    Obligation,

    /// <summary>"let's", "let us".</summary>
    Suggestion,

    /// <summary>"I'll", "I will", "I'm going to": only with an action verb ("I'll be there" is none).</summary>
    Intention,

    /// <summary>"don't forget your keys", "remind me about the meeting": "Remember ...".</summary>
    Noun,

    /// <summary>"please", "can you", "could you": only with an action verb.</summary>
    Request,

    /// <summary>A sentence that starts with a verb like "buy" or "call".</summary>
    Imperative,
}

/// <summary>
/// Finds the commitments and requests in a sentence ("remind me to", "I need to", "let's", "please
/// buy", "can you call", "I'll send") and makes each an action item: the words after the trigger,
/// without its date and time (resolved into the due moment), cleaned into an imperative ("Call the
/// dentist"). A sentence may hold several ("I need to call Bob and I have to buy milk").
/// </summary>
internal static partial class ActionItemFinder
{
    /// <summary>"Tomorrow morning at nine, remind me to": a due phrase this close before the trigger is the item's.</summary>
    private const int MaxWordsBeforeTrigger = 6;

    private static readonly TriggerKind[] s_kinds = Enum.GetValues<TriggerKind>();

    /// <summary>The first words of <see cref="Trigger"/>'s phrases: a sentence without one is not searched.</summary>
    private static readonly FrozenSet<string> s_triggerStarts = new[]
    {
        "remind", "remember", "don't", "dont", "do", "make", "i", "we", "i've", "we've", "let's", "let", "i'll", "we'll",
        "i'm", "we're", "please", "can", "could", "would", "will", "shall",
    }.ToFrozenSet(StringComparer.Ordinal);

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
            if (question && kind != TriggerKind.Request)
            {
                continue;
            }

            // The due phrase may come shortly before the trigger ("On Friday, remind me to ...").
            var regionStart = k == 0 && CountWords(text.AsSpan(0, index)) <= MaxWordsBeforeTrigger ? 0 : index;
            var tasks = SplitTasks(sentence.Words, tailStart, tailEnd);
            var words = sentence.Words;
            var dues = tasks.Select((t, j) => DueDateResolver.Resolve(words, WordAt(words, j == 0 ? regionStart : t.Start), WordAt(words, t.End), now, zone)).ToArray();
            var itemsBefore = items.Count;
            DateTimeOffset? shared = null;
            for (var j = tasks.Count - 1; j >= 0; j--)
            {
                // "call Bob and buy milk tomorrow": both tomorrow; a task with its own date keeps it.
                shared = dues[j]?.At ?? shared;
                var description = TaskDescription.Describe(Cut(text, tasks[j], dues[j]), j == 0 ? kind : TriggerKind.Request, out var priority);
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
    private static string Cut(string text, (int Start, int End) task, DueDate? due)
    {
        var words = text.ToCharArray(task.Start, task.End - task.Start);
        foreach (var span in due?.Spans ?? [])
        {
            for (var c = Math.Max(span.Start, task.Start); c < Math.Min(span.End, task.End); c++)
            {
                words[c - task.Start] = ' ';
            }
        }

        return new string(words);
    }

    /// <summary>The triggers in order, with a plain imperative at the start ("Buy oat milk.") as one.</summary>
    private static List<(int Index, int Length, TriggerKind Kind)> Triggers(string text, Words words)
    {
        var triggers = new List<(int Index, int Length, TriggerKind Kind)>();
        var first = 0;
        while (first < words.Count && Vocabulary.OpeningFillers.Contains(words[first]))
        {
            first++;
        }

        if (Vocabulary.ImperativeVerbs.Contains(words[first]))
        {
            triggers.Add((words.Start(first), 0, TriggerKind.Imperative));
        }

        var any = false;
        for (var i = 0; i < words.Count && !any; i++)
        {
            any = s_triggerStarts.Contains(words[i]);
        }

        foreach (Match match in any ? Trigger().Matches(text) : Enumerable.Empty<Match>())
        {
            triggers.Add((match.Index, match.Length, s_kinds.First(k => match.Groups[(int)k + 1].Success)));
        }

        return triggers;
    }

    /// <summary>The first word that starts at or after a place in the text.</summary>
    private static int WordAt(Words words, int position)
    {
        var i = 0;
        while (i < words.Count && words.Start(i) < position)
        {
            i++;
        }

        return i;
    }

    private static int CountWords(ReadOnlySpan<char> text)
    {
        var count = 0;
        foreach (var _ in text.Split(' '))
        {
            count++;
        }

        return count;
    }

    [GeneratedRegex(@"(?<![\w'])(?:(?<Reminder>remind\s+me(?:\s+(?:in|at|on|by|tomorrow|tonight|today|next|this|later|before)\b(?:\s+[\w:']+){0,4}?)?\s+to|remember\s+to|(?:don'?t|do\s+not)\s+forget\s+to|make\s+sure\s+(?:to|you|that\s+you))|(?<Ensure>make\s+sure(?:\s+that)?)|(?<Obligation>(?:i|we)\s+(?:really\s+|still\s+|also\s+|just\s+|definitely\s+)?(?:need|have|ought)\s+to|(?:i|we)(?:'ve|\s+have)?\s+got\s+to|(?:i|we)\s+gotta|(?:i|we)\s+must|(?:i|we)\s+should)|(?<Suggestion>let's|let\s+us)|(?<Intention>i'll|i\s+will|we'll|we\s+will|(?:i'm|i\s+am|we're|we\s+are)\s+going\s+to|(?:i'm|we're)\s+gonna)|(?<Noun>(?:don'?t|do\s+not)\s+forget|remind\s+me\s+(?:about|of))|(?<Request>please|(?:can|could|would|will)\s+(?:you|we)(?:\s+please)?|shall\s+we))(?![\w'])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Trigger();

}
