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

    private static readonly string[][] s_notFactOpenings = [.. Vocabulary.NotFactOpenings.Select(o => o.Split(' '))];

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

            var clauses = sentence.Text.AsSpan().IndexOfAny(',', ';') < 0 && !sentence.Text.Contains(" but ", StringComparison.OrdinalIgnoreCase)
                ? [sentence.Text]
                : ClauseBreak().Split(sentence.Text);
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

    /// <summary>The clause as a memory, or null when it is not one. <paramref name="words"/> are the clause's.</summary>
    public static string? Memorable(string clause, Words words)
    {
        var start = 0;
        while (start < words.Count && (Vocabulary.OpeningFillers.Contains(words[start]) || (words[start] == "by" && words[start + 1] == "the" && words[start + 2] == "way")))
        {
            start += words[start] == "by" ? 3 : 1;
        }

        if (words.Count - start is < 3 or > MaxWords || LocalExtractor.IsFiller(words))
        {
            return null;
        }

        int contentWords = 0;
        bool hasQuantity = false, hasName = false, hasMe = false;
        for (var i = start; i < words.Count; i++)
        {
            var word = words[i];
            if (word is "you" or "your" or "you're" or "you've" or "yours" or "you'll" or "ya" || Vocabulary.RelativeDayWords.Contains(word))
            {
                return null;
            }

            var number = IsNumber(words, i);
            contentWords += number || Vocabulary.FunctionWords.Contains(word) ? 0 : 1;
            hasQuantity |= number && word is not ("one" or "a" or "an" or "zero");
            hasName |= i > start && words.IsCapitalised(i) && word is not ("i" or "i'm" or "i've" or "i'd" or "i'll") && !DuePhraseParser.IsMonth(word);
            hasMe |= word == "me";
        }

        var text = clause[words.Start(start)..].Trim().TrimEnd('.', '!', ',', ';', ':', ' ');
        var first = words[start];
        string memory;
        if (first is "i" or "i'm" or "i've" or "my")
        {
            if (IsNotFactOpening(words, start) || contentWords < 1 || IsPassingState(words, start))
            {
                return null;
            }

            memory = FirstPersonRewriter.Rewrite(text);
        }
        else
        {
            // A fact about something else needs a quantity or a name to be worth keeping, and a
            // subject that stands alone; and it is no request ("Remind me in two hours to ...").
            if (first is "it" or "it's" or "that" or "that's" or "this" or "there" or "there's" or "they" or "they're" or "he"
                or "he's" or "she" or "she's" or "these" or "those" or "what" or "which" or "who" or "here" or "here's"
                or "remind" or "remember" or "let" or "let's" or "please" or "don't" or "set"
                || Vocabulary.ActionVerbs.Contains(first) || hasMe || !(hasQuantity || hasName) || contentWords < 2)
            {
                return null;
            }

            memory = text;
        }

        memory = NumberWords.ToDigits(memory);
        return char.ToUpperInvariant(memory[0]) + memory[1..] + ".";
    }

    /// <summary>"I think", "I don't know", "I'll": a reply or an intention, not a fact ("I was born" is one).</summary>
    private static bool IsNotFactOpening(Words words, int start)
    {
        if (words[start] == "i" && words[start + 1] == "was" && words[start + 2] == "born")
        {
            return false;
        }

        foreach (var opening in s_notFactOpenings)
        {
            var k = 0;
            while (k < opening.Length && words[start + k] == opening[k])
            {
                k++;
            }

            if (k == opening.Length)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>"I'm tired", "I'm at work", "I'm going home": true now, not worth remembering.</summary>
    private static bool IsPassingState(Words words, int start)
    {
        var at = words[start] == "i'm" ? start + 1 : words[start] == "i" && words[start + 1] == "am" ? start + 2 : -1;
        if (at < 0)
        {
            return false;
        }

        while (words[at] is "so" or "really" or "very" or "quite" or "pretty" or "a" or "bit" or "little" or "kind" or "of" or "still" or "kinda")
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
