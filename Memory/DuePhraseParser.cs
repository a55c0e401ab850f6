using System.Collections.Frozen;

namespace FriendLite.Edge.Memory;

/// <summary>
/// Finds the date and time words of a text ("on Friday", "at ten", "tomorrow morning", "before the
/// weekend", "in two hours", "on December 12") and what they say, with the place of each phrase
/// (its leading preposition included) so it can be cut out. This file reads dates by name and by
/// week; the .Days file days of the month and ends of periods; the .Times file clock times and parts
/// of the day; the .In file "in two hours", "in three days", "in March".
/// </summary>
internal static partial class DuePhraseParser
{
    /// <summary>Words before a date or time that belong to its phrase: "on" Friday, "at" ten, "before" the weekend.</summary>
    private static readonly string[] s_prepositions = ["on", "at", "by", "before", "until", "till", "around", "about", "for", "from"];

    /// <summary>Prepositions after which "the 5th" alone is a day of the month ("on the 5th", not "the 5th time").</summary>
    private static readonly string[] s_dayPrepositions = ["on", "by", "before", "until", "till", "for"];

    private static readonly FrozenDictionary<string, DayOfWeek> s_weekdays = new Dictionary<string, DayOfWeek>
    {
        ["monday"] = DayOfWeek.Monday, ["tuesday"] = DayOfWeek.Tuesday, ["wednesday"] = DayOfWeek.Wednesday,
        ["thursday"] = DayOfWeek.Thursday, ["friday"] = DayOfWeek.Friday, ["saturday"] = DayOfWeek.Saturday,
        ["sunday"] = DayOfWeek.Sunday,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, int> s_months = new Dictionary<string, int>
    {
        ["january"] = 1, ["february"] = 2, ["march"] = 3, ["april"] = 4, ["may"] = 5, ["june"] = 6, ["july"] = 7,
        ["august"] = 8, ["september"] = 9, ["october"] = 10, ["november"] = 11, ["december"] = 12,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, DayPart> s_parts = new Dictionary<string, DayPart>
    {
        ["morning"] = DayPart.Morning, ["afternoon"] = DayPart.Afternoon, ["evening"] = DayPart.Evening, ["night"] = DayPart.Night,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>"before the weekend" and "by the end of the week": the end of the working week.</summary>
    private static readonly TimeOnly s_endOfDay = new(18, 0);

    /// <summary>Words a date or time phrase can start with (after its preposition): most words of a sentence are not, and are passed over at once.</summary>
    private static readonly FrozenSet<string> s_starters = new[]
    {
        "today", "tonight", "tomorrow", "day", "the", "this", "coming", "next", "weekend", "end", "noon", "midday",
        "lunchtime", "midnight", "night", "in", "within", "half", "quarter",
    }.ToFrozenSet(StringComparer.Ordinal);

    public static bool IsMonth(string word) => s_months.ContainsKey(word);

    /// <summary>The date and time words among words <paramref name="from"/> to <paramref name="to"/> (exclusive), or null when there are none.</summary>
    public static DuePhrase? Parse(Words words, DateOnly today, int from, int to)
    {
        var phrase = new DuePhrase();
        for (var i = from; i < to;)
        {
            var j = i;
            while (j - i < 2 && words.IsAny(j, s_prepositions))
            {
                j++;
            }

            // "at around ten": the first preposition carries the meaning.
            var preposition = j > i ? words[i] : "";
            if (CanStart(words[j]) && ((!phrase.HasDate && TryDate(words, j, preposition, today, phrase, out var end))
                || (!phrase.HasTime && TryTime(words, j, preposition, phrase, out end))))
            {
                phrase.Spans.Add(words.Span(i, end));
                i = end;
            }
            else
            {
                i++;
            }
        }

        return phrase.Spans.Count == 0 ? null : phrase;
    }

    private static bool CanStart(string word) =>
        word.Length > 0 && (char.IsAsciiDigit(word[0]) || s_starters.Contains(word) || s_weekdays.ContainsKey(word) || s_months.ContainsKey(word) || NumberWords.IsNumberWord(word));

    private static bool TryDate(Words words, int i, string preposition, DateOnly today, DuePhrase phrase, out int end)
    {
        var hadThe = words[i] == "the";
        var at = hadThe ? i + 1 : i;
        end = at + 1;
        switch (words[at])
        {
            case "today":
                phrase.SetDate(today);
                phrase.IsToday = true;
                phrase.ImpliedTime = s_endOfDay;
                end = TrailingPart(words, end, phrase);
                return true;
            case "tonight":
                phrase.SetDate(today);
                phrase.Part = DayPart.Night;
                return true;
            case "tomorrow":
                phrase.SetDate(today.AddDays(1));
                end = TrailingPart(words, end, phrase);
                return true;
            case "day" when words[at + 1] == "after" && words[at + 2] == "tomorrow":
                phrase.SetDate(today.AddDays(2));
                end = TrailingPart(words, at + 3, phrase);
                return true;
            case "this" or "coming" or "next" when !hadThe || words[at] == "coming":
                return TryModified(words, at, preposition, today, phrase, out end);
            case "weekend":
                Weekend(preposition, ComingSaturday(today), phrase);
                return true;
            case "end" when words[at + 1] == "of":
                return TryEndOf(words, at + 2, today, phrase, out end);
        }

        if (s_weekdays.TryGetValue(words[at], out var weekday) && !hadThe)
        {
            // "Friday next week" is next week's Friday; "Friday" alone the coming one.
            if (words[end] == "next" && words[end + 1] == "week")
            {
                phrase.SetDate(NextWeeksMonday(today).AddDays(((int)weekday + 6) % 7));
                end += 2;
            }
            else
            {
                phrase.SetDate(today.AddDays(((int)weekday - (int)today.DayOfWeek + 7) % 7), DateRoll.Week);
            }

            end = TrailingPart(words, end, phrase);
            return true;
        }

        return TryDayOfMonth(words, at, hadThe, preposition, today, phrase, out end) || TryIn(words, i, today, phrase, out end);
    }

    /// <summary>"this Friday", "next Friday" (next week's), "next week" (its Monday), "this weekend", "this evening".</summary>
    private static bool TryModified(Words words, int at, string preposition, DateOnly today, DuePhrase phrase, out int end)
    {
        var next = words[at] == "next";
        var word = words[at + 1];
        end = at + 2;
        if (s_weekdays.TryGetValue(word, out var weekday))
        {
            var offset = ((int)weekday + 6) % 7;
            if (next)
            {
                phrase.SetDate(NextWeeksMonday(today).AddDays(offset));
            }
            else
            {
                phrase.SetDate(today.AddDays(((int)weekday - (int)today.DayOfWeek + 7) % 7), DateRoll.Week);
            }

            end = TrailingPart(words, end, phrase);
            return true;
        }

        switch (word)
        {
            case "weekend":
                Weekend(preposition, next ? NextWeeksMonday(today).AddDays(5) : ComingSaturday(today), phrase);
                return true;
            case "week" when next:
                phrase.SetDate(NextWeeksMonday(today));
                return true;
            case "month" when next:
                phrase.SetDate(new DateOnly(today.Year, today.Month, 1).AddMonths(1));
                return true;
            case "morning" or "afternoon" or "evening" when !next:
                phrase.SetDate(today);
                phrase.Part = s_parts[word];
                return true;
        }

        return false;
    }

    /// <summary>"Friday morning", "tomorrow evening": a part of the day right after the date.</summary>
    private static int TrailingPart(Words words, int at, DuePhrase phrase)
    {
        if (s_parts.TryGetValue(words[at], out var part))
        {
            phrase.Part = part;
            return at + 1;
        }

        return at;
    }

    /// <summary>Before the weekend (by, until) is Friday 18:00; at or over the weekend is its Saturday.</summary>
    private static void Weekend(string preposition, DateOnly saturday, DuePhrase phrase)
    {
        if (preposition is "before" or "by" or "until" or "till")
        {
            phrase.SetDate(saturday.AddDays(-1), DateRoll.Week);
            phrase.ImpliedTime = s_endOfDay;
        }
        else
        {
            phrase.SetDate(saturday, DateRoll.Week);
        }
    }

    private static DateOnly ComingSaturday(DateOnly today) => today.AddDays((6 - (int)today.DayOfWeek + 7) % 7);

    private static DateOnly NextWeeksMonday(DateOnly today) => today.AddDays(7 - (((int)today.DayOfWeek + 6) % 7));
}
