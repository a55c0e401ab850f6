using System.Collections.Frozen;
using System.Text;

namespace FriendLite.Edge.Memory;

/// <summary>
/// Rewrites a first-person statement about the wearer into a standalone memory: "I'm allergic to
/// peanuts" becomes "User is allergic to peanuts", "I no longer like tea" "User no longer likes
/// tea", "My sister Anna lives in Lyon" "User's sister Anna lives in Lyon". A memory read later,
/// out of its conversation, says whom it is about; consolidation matches "likes tea" with "no
/// longer likes tea". The verb after "I" is put in the third person by spelling rules and a short
/// list of irregular and past forms; a verb the rules get wrong reads oddly but stays findable.
/// </summary>
internal static class FirstPersonRewriter
{
    public const string Subject = "User";

    /// <summary>Words after "I" that stay as they are: modals, past forms, negations of them.</summary>
    private static readonly FrozenSet<string> s_unchanged = new[]
    {
        "can", "can't", "cannot", "could", "couldn't", "should", "shouldn't", "must", "might", "may", "would",
        "wouldn't", "will", "won't", "did", "didn't", "was", "wasn't", "had", "hadn't", "used", "went", "got", "made",
        "met", "saw", "bought", "grew", "came", "took", "gave", "left", "found", "knew", "thought", "told", "became",
        "began", "broke", "brought", "built", "caught", "chose", "drove", "ate", "fell", "felt", "flew", "forgot",
        "heard", "kept", "lost", "paid", "ran", "said", "sat", "sold", "sent", "slept", "spent", "stood", "swam",
        "taught", "won", "wrote", "spoke", "understood", "meant", "quit", "put", "read", "hurt", "cut", "let", "set",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Adverbs between "I" and its verb: "I really like", "I no longer eat".</summary>
    private static readonly FrozenSet<string> s_adverbs = new[]
    {
        "really", "also", "usually", "always", "never", "often", "sometimes", "still", "rarely", "only", "mostly",
        "just", "generally", "absolutely", "totally", "actually", "definitely", "truly", "seriously", "no", "longer",
        "kind", "of", "sort", "normally", "typically", "already", "hardly", "barely", "even", "now",
    }.ToFrozenSet(StringComparer.Ordinal);

    public static string Rewrite(string statement)
    {
        var words = new Words(statement);
        var result = new StringBuilder(statement.Length + 16);
        var copied = 0;
        void Replace(int from, int to, string with)
        {
            result.Append(statement, copied, words.Start(from) - copied).Append(with);
            copied = words.End(to);
        }

        for (var i = 0; i < words.Count; i++)
        {
            switch (words[i])
            {
                case "i'm":
                    Replace(i, i, Subject + " is");
                    break;
                case "i've":
                    Replace(i, i, Subject + " has");
                    break;
                case "i'd":
                    Replace(i, i, Subject + " would");
                    break;
                case "i'll":
                    Replace(i, i, Subject + " will");
                    break;
                case "my" or "mine":
                    Replace(i, i, Subject + "'s");
                    break;
                case "me" or "myself":
                    Replace(i, i, Subject);
                    break;
                case "i":
                    i = RewriteSubject(words, i, Replace);
                    break;
            }
        }

        return result.Append(statement, copied, statement.Length - copied).ToString();
    }

    /// <summary>"I" and its verb; returns the index of the last word it rewrote.</summary>
    private static int RewriteSubject(Words words, int i, Action<int, int, string> replace)
    {
        var next = words[i + 1];
        string? joined = next switch
        {
            "am" => "is",
            "have" => "has",
            "do" => "does",
            "don't" => "doesn't",
            "haven't" => "hasn't",
            "ain't" => "isn't",
            _ => null,
        };
        if (joined is not null)
        {
            replace(i, i + 1, Subject + " " + joined);
            return i + 1;
        }

        replace(i, i, Subject);
        var verb = i + 1;
        while (s_adverbs.Contains(words[verb]))
        {
            verb++;
        }

        var word = words[verb];
        if (word.Length == 0 || s_unchanged.Contains(word) || word.EndsWith("ed", StringComparison.Ordinal) || Vocabulary.FunctionWords.Contains(word))
        {
            return i;
        }

        replace(verb, verb, ThirdPerson(word));
        return verb;
    }

    /// <summary>"like" to "likes", "watch" to "watches", "study" to "studies", "go" to "goes", "have" to "has".</summary>
    public static string ThirdPerson(string verb) => verb switch
    {
        "have" => "has",
        "be" or "am" => "is",
        "do" => "does",
        "go" => "goes",
        _ when verb.EndsWith('s') || verb.EndsWith('x') || verb.EndsWith('z') || verb.EndsWith("sh", StringComparison.Ordinal)
            || verb.EndsWith("ch", StringComparison.Ordinal) || verb.EndsWith('o') => verb + "es",
        _ when verb.Length > 1 && verb[^1] == 'y' && !"aeiou".Contains(verb[^2], StringComparison.Ordinal) => verb[..^1] + "ies",
        _ => verb + "s",
    };
}
