using System.Text.RegularExpressions;

namespace FriendLite.Edge.Memory;

/// <summary>
/// Picks the few sentences worth remembering: first-person statements about the wearer ("I like
/// tea", "I'm allergic to peanuts", "My sister Anna lives in Lyon", "I no longer like tea") and
/// stated facts that carry a quantity or a name ("The glass furnace runs at two thousand degrees").
/// Each becomes a short standalone memory: first person rewritten to "User", numbers in digits.
/// Greetings, questions, passing states ("I'm tired"), opinions in passing ("I think"), words to
/// the other person ("you") and anything tied to a day ("tomorrow") are left out; the raw
/// transcript never is a memory, and neither is anything longer than <see cref="MaxWords"/> words.
/// </summary>
internal static partial class MemoryFinder
{
    public const int MaxMemories = 5;

    public const int MaxWords = 25;

    public static List<ExtractedMemory> Find(IEnumerable<Sentence> sentences)
    {
        var memories = new List<ExtractedMemory>();
        var keys = new List<string>();
        foreach (var sentence in sentences)
        {
            if (sentence.Text.TrimEnd().EndsWith('?'))
            {
                continue;
            }

            var clauses = ClauseBreak().Split(sentence.Text);
            foreach (var clause in clauses)
            {
                if (Memorable(clause, clauses.Length == 1 ? sentence.Words : new Words(clause)) is not { } text)
                {
                    continue;
                }

                // The same fact said twice, or once inside a longer one, is one memory.
                var key = Key(text);
                if (keys.Any(k => k.Contains(key, StringComparison.Ordinal) || key.Contains(k, StringComparison.Ordinal)))
                {
                    continue;
                }

                keys.Add(key);
                memories.Add(new ExtractedMemory(text, sentence.Segments));
                if (memories.Count == MaxMemories)
                {
                    return memories;
                }
            }
        }

        return memories;
    }

    /// <summary>The clause as a memory, or null when it is not one.</summary>
    public static string? Memorable(string clause, Words words)
    {
        var start = 0;
        while (start < words.Count && (Vocabulary.OpeningFillers.Contains(words[start]) || (words[start] == "by" && words[start + 1] == "the" && words[start + 2] == "way")))
        {
            start += words[start] == "by" ? 3 : 1;
        }

        if (words.Count - start is < 3 or > MaxWords)
        {
            return null;
        }

        var text = clause[words.Start(start)..].Trim().TrimEnd('.', '!', ',', ';', ':', ' ');
        words = start > 0 ? new Words(text) : words;
        var all = Enumerable.Range(0, words.Count).Select(i => words[i]).ToList();
        if (LocalExtractor.IsFiller(words)
            || all.Any(w => w is "you" or "your" or "you're" or "you've" or "yours" or "you'll" or "ya")
            || all.Any(Vocabulary.RelativeDayWords.Contains))
        {
            return null;
        }

        var contentWords = Enumerable.Range(0, words.Count).Count(i => !Vocabulary.FunctionWords.Contains(words[i]) && !IsNumber(words, i));
        string memory;
        if (all[0] is "i" or "i'm" or "i've" or "my")
        {
            var opening = string.Join(' ', all) + " ";
            if ((Vocabulary.NotFactOpenings.Any(o => opening.StartsWith(o + " ", StringComparison.Ordinal)) && !opening.StartsWith("i was born ", StringComparison.Ordinal))
                || contentWords < 1 || IsPassingState(all))
            {
                return null;
            }

            memory = FirstPersonRewriter.Rewrite(text);
        }
        else
        {
            // A fact about something else needs a quantity or a name to be worth keeping, and a subject that stands alone.
            var hasQuantity = Enumerable.Range(0, words.Count).Any(i => IsNumber(words, i) && words[i] is not ("one" or "a" or "an" or "zero"));
            var hasName = Enumerable.Range(1, Math.Max(0, words.Count - 1)).Any(i => words.IsCapitalised(i)
                && words[i] is not ("i" or "i'm" or "i've" or "i'd" or "i'll") && !DuePhraseParser.IsMonth(words[i]));
            // Not a request either ("Remind me in two hours to ...", "Set an alarm for 6:30").
            if (all[0] is "it" or "it's" or "that" or "that's" or "this" or "there" or "there's" or "they" or "they're" or "he"
                or "he's" or "she" or "she's" or "these" or "those" or "what" or "which" or "who" or "here" or "here's"
                or "remind" or "remember" or "let" or "let's" or "please" or "don't" or "set"
                || Vocabulary.ActionVerbs.Contains(all[0]) || all.Contains("me") || !(hasQuantity || hasName) || contentWords < 2)
            {
                return null;
            }

            memory = text;
        }

        memory = NumberWords.ToDigits(memory);
        return char.ToUpperInvariant(memory[0]) + memory[1..] + ".";
    }

    /// <summary>"I'm tired", "I'm at work", "I'm going home": true now, not worth remembering.</summary>
    private static bool IsPassingState(List<string> words)
    {
        var at = words[0] == "i'm" ? 1 : words[0] == "i" && words.Count > 1 && words[1] == "am" ? 2 : -1;
        if (at < 0)
        {
            return false;
        }

        while (at < words.Count && words[at] is "so" or "really" or "very" or "quite" or "pretty" or "a" or "bit" or "little" or "kind" or "of" or "still" or "kinda")
        {
            at++;
        }

        return at >= words.Count || Vocabulary.PassingStates.Contains(words[at]);
    }

    private static bool IsNumber(Words words, int index) =>
        index >= 0 && (char.IsAsciiDigit(words[index].FirstOrDefault()) || NumberWords.IsScale(words[index])
            || (NumberWords.TryBelowHundred(words, index, out _, out _) && words[index] is not ("a" or "an")));

    /// <summary>The words of a memory, lower-cased and single-spaced, to find the same fact said twice.</summary>
    private static string Key(string text) => string.Join(' ', NonWord().Split(text.ToLowerInvariant()).Where(w => w.Length > 0));

    /// <summary>
    /// Where one statement ends and the next begins inside a sentence: ", I drink coffee now", "; my
    /// sister", ", she's coming" (a clause about "she" then fails on its own), ", so no cake".
    /// </summary>
    [GeneratedRegex(@",\s*(?:and\s+|but\s+)?(?=(?:i|i'm|i've|my|he|he's|she|she's|it|it's|they|they're|that|that's|this|so|which|who|because)\b)|;\s*|\s+but\s+(?=(?:i|i'm|i've|my)\b)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ClauseBreak();

    [GeneratedRegex(@"[^\p{L}\p{N}']+")]
    private static partial Regex NonWord();
}
