namespace FriendLite.Edge.Memory;

/// <summary>Where a phrase sits in a text, so it can be cut out of it.</summary>
internal readonly record struct TextSpan(int Start, int Length)
{
    public int End => Start + Length;
}

/// <summary>
/// A text's words, lower-cased, each with its place in the text: the offline extractor matches
/// phrases on words (so "at ten" is found whatever the spacing or case) and cuts them out of the
/// text by place. Reading past either end gives an empty word, so parsers need no bounds checks.
/// A word is a run of letters with inner apostrophes ("don't", "o'clock"), a clock time ("7:30",
/// "10.30"), a number with thousands separators ("2,000"), or digits with a suffix ("3pm", "5th").
/// </summary>
internal sealed class Words
{
    private readonly List<(string Word, int Start, int End)> _words = [];

    public Words(string text)
    {
        Text = text;
        for (var i = 0; i < text.Length;)
        {
            var end = char.IsLetter(text[i]) ? LetterWordEnd(text, i) : char.IsAsciiDigit(text[i]) ? NumberEnd(text, i) : i;
            if (end == i)
            {
                i++;
                continue;
            }

            _words.Add((LowerCase(text, i, end), i, end));
            i = end;
        }
    }

    public string Text { get; }

    public int Count => _words.Count;

    public string this[int index] => index >= 0 && index < _words.Count ? _words[index].Word : "";

    public int Start(int index) => _words[index].Start;

    public int End(int index) => _words[index].End;

    /// <summary>The characters between a word and the one before it (a hyphen, a space, a comma).</summary>
    public ReadOnlySpan<char> Gap(int index) =>
        index <= 0 || index >= _words.Count ? [] : Text.AsSpan(_words[index - 1].End, _words[index].Start - _words[index - 1].End);

    /// <summary>The span from the start of word <paramref name="from"/> to the end of the word before <paramref name="to"/>.</summary>
    public TextSpan Span(int from, int to) => new(_words[from].Start, _words[to - 1].End - _words[from].Start);

    /// <summary>Whether the word as written starts with a capital letter (names, when not first in the sentence).</summary>
    public bool IsCapitalised(int index) => index >= 0 && index < _words.Count && char.IsUpper(Text[_words[index].Start]);

    public bool IsAny(int index, params ReadOnlySpan<string> words)
    {
        var word = this[index];
        foreach (var candidate in words)
        {
            if (word == candidate)
            {
                return true;
            }
        }

        return false;
    }

    private static int LetterWordEnd(string text, int i)
    {
        while (i < text.Length && (char.IsLetter(text[i]) || (text[i] == '\'' && i + 1 < text.Length && char.IsLetter(text[i + 1]))))
        {
            i++;
        }

        return i;
    }

    /// <summary>"7:30", "10.30", "2,000", "3pm", "5th", "25".</summary>
    private static int NumberEnd(string text, int start)
    {
        var i = start;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        var digits = i - start;
        if (digits <= 2 && i + 2 < text.Length && text[i] is ':' or '.' && char.IsAsciiDigit(text[i + 1]) && char.IsAsciiDigit(text[i + 2])
            && (i + 3 == text.Length || !char.IsAsciiDigit(text[i + 3])))
        {
            return i + 3;
        }

        if (digits <= 3 && IsThousands(text, i))
        {
            while (IsThousands(text, i))
            {
                i += 4;
            }

            return i;
        }

        while (i < text.Length && char.IsAsciiLetter(text[i]))
        {
            i++;
        }

        return i;
    }

    private static bool IsThousands(string text, int i) =>
        i + 3 < text.Length && text[i] == ',' && char.IsAsciiDigit(text[i + 1]) && char.IsAsciiDigit(text[i + 2]) && char.IsAsciiDigit(text[i + 3])
        && (i + 4 == text.Length || !char.IsAsciiDigit(text[i + 4]));

    private static string LowerCase(string text, int start, int end)
    {
        for (var i = start; i < end; i++)
        {
            if (char.IsUpper(text[i]))
            {
                return string.Create(end - start, (text, start), static (span, state) => state.text.AsSpan(state.start, span.Length).ToLowerInvariant(span));
            }
        }

        return text.Substring(start, end - start);
    }
}
