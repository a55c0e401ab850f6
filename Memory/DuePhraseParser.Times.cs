using System.Globalization;

namespace FriendLite.Edge.Memory;

/// <summary>Clock times ("at ten", "at 7:30", "3pm", "half past four", "noon") and parts of the day.</summary>
internal static partial class DuePhraseParser
{
    /// <summary>Prepositions that make a bare number a clock time: "at ten", "around ten", but not "ten people" or "about two things".</summary>
    private static readonly string[] s_clockPrepositions = ["at", "by", "before", "until", "till", "around"];

    /// <summary>Words after a number that make it a quantity, not a time: "at two thousand degrees", "by five percent".</summary>
    private static readonly string[] s_quantityNouns =
    [
        "degrees", "percent", "pounds", "kilos", "kilograms", "grams", "euros", "dollars", "bucks", "miles",
        "kilometers", "kilometres", "meters", "metres", "people", "times", "of", "years", "items", "pieces",
        "things", "more", "minutes", "hours", "days", "weeks", "months", "percent", "per", "litres", "liters",
    ];

    private static bool TryTime(Words words, int i, string preposition, DuePhrase phrase, out int end)
    {
        end = i + 1;
        switch (words[i])
        {
            case "noon" or "midday" or "lunchtime":
                phrase.SetTime(12, 0, bare: false);
                return true;
            case "midnight":
                phrase.Midnight = true;
                return true;
            case "night" when preposition == "at":
                phrase.Part = DayPart.Night;
                return true;
            case "in" when TryPartOfDay(words, i, phrase, out end):
                return true;
        }

        if (!TryClock(words, i, preposition, out var hour, out var minute, out var marker, out end))
        {
            return false;
        }

        var bare = marker is null && hour is >= 1 and <= 12;
        marker = marker == "24h" ? null : marker;
        if (marker == "pm" && hour < 12)
        {
            hour += 12;
        }
        else if (marker == "am" && hour == 12)
        {
            hour = 0;
        }

        phrase.SetTime(hour, minute, bare);

        // "at ten in the evening", "at eleven at night".
        if (TryPartOfDay(words, end, phrase, out var after))
        {
            end = after;
        }
        else if (words[end] == "at" && words[end + 1] == "night")
        {
            phrase.Part = DayPart.Night;
            end += 2;
        }

        return true;
    }

    /// <summary>"in the morning / afternoon / evening".</summary>
    private static bool TryPartOfDay(Words words, int i, DuePhrase phrase, out int end)
    {
        end = i + 3;
        if (words[i] == "in" && words[i + 1] == "the" && s_parts.TryGetValue(words[i + 2], out var part) && part != DayPart.Night)
        {
            phrase.Part = part;
            return true;
        }

        return false;
    }

    /// <summary>
    /// An hour and minute, with "am"/"pm" as the marker when said, or "24h" for a 24-hour form
    /// ("07:30", "19:30"). "o'clock" alone is no marker: "ten o'clock" is still a bare hour.
    /// </summary>
    private static bool TryClock(Words words, int i, string preposition, out int hour, out int minute, out string? marker, out int end)
    {
        marker = null;
        var word = words[i];
        var anchored = s_clockPrepositions.Contains(preposition);
        if (TryPastOrTo(words, i, out hour, out minute, out end))
        {
            anchored |= word is "half" or "quarter";
        }
        else if (TryDigitsClock(word, out hour, out minute, out var twentyFour))
        {
            // "7:30" is a time wherever it stands; "2.50" only after "at" (else it is a price).
            end = i + 1;
            anchored |= word.Contains(':', StringComparison.Ordinal);
            marker = twentyFour ? "24h" : null;
        }
        else if (word.Length >= 3 && char.IsAsciiDigit(word[0]) && word.EndsWith('m') && word[^2] is 'a' or 'p'
            && int.TryParse(word.AsSpan(0, word.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out hour))
        {
            marker = word[^2] == 'a' ? "am" : "pm";
            end = i + 1;
            anchored = true;
        }
        else if (!NumberWords.TryBelowHundred(words, i, out hour, out end))
        {
            return false;
        }
        else if (words[end] is "oh" or "o" && NumberWords.TryBelowHundred(words, end + 1, out var oh, out var afterOh) && oh is >= 1 and <= 9)
        {
            minute = oh;
            end = afterOh;
        }
        else if (!char.IsAsciiDigit(words[end].FirstOrDefault()) && NumberWords.TryBelowHundred(words, end, out var spoken, out var afterMinutes) && spoken is >= 10 and <= 59)
        {
            // "ten thirty", "seven forty-five".
            minute = spoken;
            end = afterMinutes;
        }

        if (words[end] == "o'clock")
        {
            end++;
            anchored = true;
        }

        if (marker is null && TryMarker(words, end, out marker, out var afterMarker))
        {
            end = afterMarker;
            anchored = true;
        }

        return anchored && hour <= 23 && minute <= 59 && !(marker is "am" or "pm" && hour is < 1 or > 12)
            && !NumberWords.IsScale(words[end]) && !words.IsAny(end, s_quantityNouns);
    }

    /// <summary>"half past four", "quarter to five", "ten past six" (a bare hour, like "at four").</summary>
    private static bool TryPastOrTo(Words words, int i, out int hour, out int minute, out int end)
    {
        hour = minute = 0;
        end = i;
        var at = i + 1;
        var before = words[i] switch { "half" => 30, "quarter" => 15, _ => -1 };
        if (before < 0 && (!NumberWords.TryBelowHundred(words, i, out before, out at) || before is < 1 or > 29))
        {
            return false;
        }

        if (words[at] is "minutes" or "minute")
        {
            at++;
        }

        var past = words[at] == "past";
        if (!(past || (words[at] == "to" && before != 30)) || !NumberWords.TryBelowHundred(words, at + 1, out hour, out end) || hour is < 1 or > 12)
        {
            return false;
        }

        minute = past ? before : 60 - before;
        if (!past)
        {
            hour = hour == 1 ? 12 : hour - 1;
        }

        return true;
    }

    /// <summary>"7:30", "10.30", "19:30"; a leading zero or an hour past 12 is a 24-hour time.</summary>
    private static bool TryDigitsClock(string word, out int hour, out int minute, out bool twentyFour)
    {
        hour = minute = 0;
        twentyFour = false;
        if (word.Length < 4 || !char.IsAsciiDigit(word[0]) || word[^3] is not (':' or '.')
            || !int.TryParse(word.AsSpan(0, word.Length - 3), NumberStyles.None, CultureInfo.InvariantCulture, out hour)
            || !int.TryParse(word.AsSpan(word.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out minute))
        {
            return false;
        }

        twentyFour = word[0] == '0' || hour > 12;
        return true;
    }

    /// <summary>"am", "pm", "a.m.", "p m".</summary>
    private static bool TryMarker(Words words, int i, out string? marker, out int end)
    {
        marker = null;
        end = i;
        if (words[i] is "am" or "pm")
        {
            marker = words[i];
            end = i + 1;
        }
        else if (words[i] is "a" or "p" && words[i + 1] == "m" && words.Gap(i + 1).Trim() is "." or "")
        {
            marker = words[i] + "m";
            end = i + 2;
        }

        return marker is not null;
    }
}
