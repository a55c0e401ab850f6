using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace FriendLite.Edge.Memory;

/// <summary>
/// Numbers as people say them and Whisper writes them: "ten", "twenty-five", "two thousand",
/// "four hundred and twenty", "25", "2,000"; ordinals "5th", "fifth", "twenty-first".
/// </summary>
internal static class NumberWords
{
    private static readonly FrozenDictionary<string, int> s_small = new Dictionary<string, int>
    {
        ["zero"] = 0, ["one"] = 1, ["two"] = 2, ["three"] = 3, ["four"] = 4, ["five"] = 5, ["six"] = 6,
        ["seven"] = 7, ["eight"] = 8, ["nine"] = 9, ["ten"] = 10, ["eleven"] = 11, ["twelve"] = 12,
        ["thirteen"] = 13, ["fourteen"] = 14, ["fifteen"] = 15, ["sixteen"] = 16, ["seventeen"] = 17,
        ["eighteen"] = 18, ["nineteen"] = 19,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, int> s_tens = new Dictionary<string, int>
    {
        ["twenty"] = 20, ["thirty"] = 30, ["forty"] = 40, ["fifty"] = 50, ["sixty"] = 60, ["seventy"] = 70,
        ["eighty"] = 80, ["ninety"] = 90,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, int> s_ordinals = new Dictionary<string, int>
    {
        ["first"] = 1, ["second"] = 2, ["third"] = 3, ["fourth"] = 4, ["fifth"] = 5, ["sixth"] = 6,
        ["seventh"] = 7, ["eighth"] = 8, ["ninth"] = 9, ["tenth"] = 10, ["eleventh"] = 11, ["twelfth"] = 12,
        ["thirteenth"] = 13, ["fourteenth"] = 14, ["fifteenth"] = 15, ["sixteenth"] = 16, ["seventeenth"] = 17,
        ["eighteenth"] = 18, ["nineteenth"] = 19, ["twentieth"] = 20, ["thirtieth"] = 30,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, long> s_scales = new Dictionary<string, long>
    {
        ["thousand"] = 1_000, ["million"] = 1_000_000,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Whether the word is a number or an ordinal said in words ("ten", "twenty", "fifth").</summary>
    public static bool IsNumberWord(string word) => s_small.ContainsKey(word) || s_tens.ContainsKey(word) || s_ordinals.ContainsKey(word);

    /// <summary>Whether the word continues a number ("hundred", "thousand"): "at two thousand degrees" is no clock time.</summary>
    public static bool IsScale(string word) => word is "hundred" || s_scales.ContainsKey(word);

    /// <summary>0 to 99: "seven", "twenty", "twenty-five", "25".</summary>
    public static bool TryBelowHundred(Words words, int index, out int value, out int next)
    {
        var word = words[index];
        next = index + 1;
        if (IsDigits(word) && word.Length <= 2)
        {
            value = int.Parse(word, CultureInfo.InvariantCulture);
            return true;
        }

        if (s_small.TryGetValue(word, out value))
        {
            return true;
        }

        if (s_tens.TryGetValue(word, out value))
        {
            // "twenty-five" and "twenty five" are one number; "twenty, five" are two.
            if (s_small.TryGetValue(words[index + 1], out var unit) && unit is > 0 and < 10 && words.Gap(index + 1).Trim() is "" or "-")
            {
                value += unit;
                next++;
            }

            return true;
        }

        next = index;
        return false;
    }

    /// <summary>A whole cardinal number: digits, or words up to the millions ("a hundred", "two thousand and five").</summary>
    public static bool TryNumber(Words words, int index, out long value, out int next)
    {
        var word = words[index];
        if (IsDigits(word.Replace(",", "", StringComparison.Ordinal)) && word.Length > 0 && char.IsDigit(word[0]))
        {
            next = index + 1;
            return long.TryParse(word.Replace(",", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out value);
        }

        value = 0;
        next = index;
        while (TryGroup(words, next, out var group, out var after))
        {
            if (s_scales.TryGetValue(words[after], out var scale))
            {
                value += group * scale;
                next = after + 1;
                if (words[next] == "and" && TryGroup(words, next + 1, out _, out _))
                {
                    next++;
                }

                continue;
            }

            value += group;
            next = after;
            break;
        }

        return next > index;
    }

    /// <summary>An ordinal: "5th", "1st", "fifth", "twenty-first", "thirtieth".</summary>
    public static bool TryOrdinal(Words words, int index, out int value, out int next)
    {
        var word = words[index];
        next = index + 1;
        if (word.Length is > 2 and <= 4 && char.IsAsciiDigit(word[0]) && word.AsSpan(word.Length - 2) is "st" or "nd" or "rd" or "th"
            && int.TryParse(word.AsSpan(0, word.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        if (s_ordinals.TryGetValue(word, out value))
        {
            return true;
        }

        if (s_tens.TryGetValue(word, out var tens) && s_ordinals.TryGetValue(words[index + 1], out var unit) && unit < 10)
        {
            value = tens + unit;
            next = index + 2;
            return true;
        }

        next = index;
        return false;
    }

    /// <summary>
    /// The text with spoken numbers written as digits ("two thousand degrees" to "2000 degrees"), so
    /// a memory is short and a search for "2000" finds it ("2,000" too, which a search would read as
    /// two numbers). A lone "one" stays a word ("the one I like").
    /// </summary>
    public static string ToDigits(string text)
    {
        var words = new Words(text);
        var result = new StringBuilder(text.Length);
        var copied = 0;
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            if (IsDigits(word) || word is "one" or "a" or "an" && !IsScale(words[i + 1]) || !TryNumber(words, i, out var value, out var next))
            {
                continue;
            }

            result.Append(text, copied, words.Start(i) - copied).Append(value.ToString(CultureInfo.InvariantCulture));
            copied = words.End(next - 1);
            i = next - 1;
        }

        return result.Append(text, copied, text.Length - copied).ToString();
    }

    private static bool TryGroup(Words words, int index, out long value, out int next)
    {
        // "a hundred", "a thousand": the article is the number one.
        if (words[index] is "a" or "an" && IsScale(words[index + 1]))
        {
            value = 1;
            next = index + 1;
        }
        else if (TryBelowHundred(words, index, out var below, out next) && !IsDigits(words[index]))
        {
            value = below;
        }
        else
        {
            value = 0;
            next = index;
            return false;
        }

        if (words[next] == "hundred")
        {
            value *= 100;
            next++;
            var rest = words[next] == "and" ? next + 1 : next;
            if (!IsDigits(words[rest]) && TryBelowHundred(words, rest, out var remainder, out var after))
            {
                value += remainder;
                next = after;
            }
        }

        return true;
    }

    private static bool IsDigits(string word) => word.Length > 0 && word.All(char.IsAsciiDigit);
}
