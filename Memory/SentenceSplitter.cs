using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;

namespace FriendLite.Edge.Memory;

/// <summary>A sentence of the transcript, cleaned of Whisper's markers, with the segments it came from.</summary>
internal sealed class Sentence(string text, IReadOnlyList<long> segments)
{
    private Words? _words;

    public string Text { get; } = text;

    public IReadOnlyList<long> Segments { get; } = segments;

    /// <summary>The sentence's words, split once for every rule that reads them.</summary>
    public Words Words => _words ??= new Words(Text);
}

/// <summary>
/// Turns transcript lines into sentences. Whisper ends a line where the speaker paused, not where
/// the sentence ends, and puts several sentences on one line: a sentence runs on across lines until
/// it ends with ". ", "? " or "! " (or the speaker was silent for <see cref="PauseSeconds"/>, or the
/// next line starts with a capital, as Whisper writes a sentence's start), and a
/// line is split at each sentence end inside it. Markers such as "[BLANK_AUDIO]", "(music)",
/// "*laughs*" and "♪" are dropped; leading spaces and speaker dashes too.
/// </summary>
internal static partial class SentenceSplitter
{
    /// <summary>A silence this long between lines ends a sentence Whisper left unpunctuated.</summary>
    public const double PauseSeconds = 2.0;

    /// <summary>An unpunctuated run is cut here, so one sentence never becomes the whole transcript.</summary>
    public const int MaxWords = 60;

    private static readonly SearchValues<char> s_markerStarts = SearchValues.Create("[(*♪♫>");

    /// <summary>Titles before a name: never the end of a sentence.</summary>
    private static readonly string[] s_titles = ["mr", "mrs", "ms", "dr", "st", "prof"];

    /// <summary>Abbreviations that end a sentence only when a capital follows.</summary>
    private static readonly string[] s_abbreviations = ["vs", "etc", "e.g", "i.e", "approx", "a.m", "p.m"];

    public static List<Sentence> Split(IReadOnlyList<TranscriptLine> lines)
    {
        var sentences = new List<Sentence>();
        var text = new StringBuilder();
        var segments = new List<long>();
        double? lastEnd = null;
        foreach (var line in lines)
        {
            var clean = Clean(line.Text);
            if (clean.Length == 0)
            {
                continue;
            }

            if (line.Start - lastEnd >= PauseSeconds || StartsSentence(clean))
            {
                Flush(sentences, text, segments);
            }

            lastEnd = line.End;
            foreach (var (piece, ends) in Pieces(clean))
            {
                text.Append(text.Length > 0 ? " " : "").Append(piece);
                if (!segments.Contains(line.SegmentId))
                {
                    segments.Add(line.SegmentId);
                }

                if (ends || CountWords(text) >= MaxWords)
                {
                    Flush(sentences, text, segments);
                }
            }
        }

        Flush(sentences, text, segments);
        return sentences;
    }

    /// <summary>The line without markers, curly quotes or runs of spaces.</summary>
    public static string Clean(string text)
    {
        // Most lines have no marker and single spaces: the regexes run only for those that do.
        var clean = text.AsSpan().IndexOfAny(s_markerStarts) < 0 ? text : Marker().Replace(text, " ");
        clean = clean.Replace('’', '\'').Replace('‘', '\'').Replace('“', '"').Replace('”', '"');
        clean = (clean.Contains("  ", StringComparison.Ordinal) || clean.AsSpan().IndexOfAny('\t', '\n', '\r') >= 0 ? Spaces().Replace(clean, " ") : clean)
            .Trim().TrimStart('-', '>', ' ').Trim();
        return clean.All(c => !char.IsLetterOrDigit(c)) ? "" : clean;
    }

    /// <summary>The line cut after each sentence end, each piece with whether it ended a sentence.</summary>
    private static IEnumerable<(string Piece, bool Ends)> Pieces(string line)
    {
        var start = 0;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] is not ('.' or '?' or '!') || !IsSentenceEnd(line, i))
            {
                continue;
            }

            var end = i + 1;
            while (end < line.Length && line[end] is '.' or '?' or '!' or '"' or '\'')
            {
                end++;
            }

            if (end == line.Length || line[end] == ' ')
            {
                yield return (line[start..end].Trim(), true);
                start = end;
                i = end;
            }
        }

        if (start < line.Length && line[start..].Trim() is { Length: > 0 } rest)
        {
            yield return (rest, false);
        }
    }

    /// <summary>Not after "Dr.", nor after "p.m." or an ellipsis followed by a lower-case word.</summary>
    private static bool IsSentenceEnd(string line, int i)
    {
        var next = i + 1;
        while (next < line.Length && line[next] is '.' or '?' or '!' or '"' or '\'' or ' ')
        {
            next++;
        }

        if (next >= line.Length)
        {
            return true;
        }

        var wordStart = i;
        while (wordStart > 0 && (char.IsLetter(line[wordStart - 1]) || line[wordStart - 1] == '.'))
        {
            wordStart--;
        }

        var word = line[wordStart..i].ToLowerInvariant();
        if (line[i] == '.' && s_titles.Contains(word))
        {
            return false;
        }

        var ellipsis = line[i] == '.' && ((i + 1 < line.Length && line[i + 1] == '.') || (i > 0 && line[i - 1] == '.'));
        var abbreviation = line[i] == '.' && (ellipsis || s_abbreviations.Contains(word));
        return !abbreviation || char.IsUpper(line[next]);
    }

    /// <summary>A capital that is not "I", "I'm", "I'll": Whisper's sign of a new sentence.</summary>
    private static bool StartsSentence(string line) =>
        char.IsUpper(line[0]) && !(line[0] == 'I' && (line.Length == 1 || line[1] is ' ' or '\'' or ','));

    private static void Flush(List<Sentence> sentences, StringBuilder text, List<long> segments)
    {
        if (text.Length > 0)
        {
            sentences.Add(new Sentence(text.ToString(), segments.ToArray()));
        }

        text.Clear();
        segments.Clear();
    }

    private static int CountWords(StringBuilder text)
    {
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == ' ')
            {
                count++;
            }
        }

        return count + 1;
    }

    [GeneratedRegex(@"\[[^\]]*\]|\([^)]*\)|\*[^*]*\*|♪[^♪]*♪?|♫|>>")]
    private static partial Regex Marker();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
