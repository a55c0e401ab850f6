using System.Text.RegularExpressions;

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
/// </summary>
internal sealed partial class Words
{
    private readonly List<(string Word, int Start, int End)> _words = [];

    public Words(string text)
    {
        Text = text;
        foreach (var match in WordPattern().EnumerateMatches(text))
        {
            _words.Add((text.Substring(match.Index, match.Length).ToLowerInvariant(), match.Index, match.Index + match.Length));
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

    // A clock time ("7:30", "10.30"), a number with thousands separators ("2,000"), digits with a
    // suffix ("3pm", "5th"), or a word with inner apostrophes ("don't", "o'clock").
    [GeneratedRegex(@"\d{1,2}[:.]\d{2}(?!\d)|\d{1,3}(?:,\d{3})+(?!\d)|\d+[a-z]*|[a-z]+(?:'[a-z]+)*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WordPattern();
}
