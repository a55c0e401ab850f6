namespace FriendLite.Edge.Memory;

/// <summary>Days of the month ("on the 5th", "December 12") and ends of periods ("by the end of the month").</summary>
internal static partial class DuePhraseParser
{
    /// <summary>"by the end of the day / the week / next week / the month / the year": 18:00 on its last working day.</summary>
    private static bool TryEndOf(Words words, int at, DateOnly today, DuePhrase phrase, out int end)
    {
        var next = words[at] == "next";
        if (words[at] is "the" or "this" or "next")
        {
            at++;
        }

        end = at + 1;
        DateOnly? date = words[at] switch
        {
            "day" when !next => today,
            "week" => NextWeeksMonday(today).AddDays(next ? 4 : -3),
            "month" => new DateOnly(today.Year, today.Month, 1).AddMonths(next ? 2 : 1).AddDays(-1),
            "year" => new DateOnly(today.Year + (next ? 1 : 0), 12, 31),
            _ => null,
        };
        if (date is null)
        {
            return false;
        }

        // The end of this week, once its Friday evening has passed, is next week's.
        phrase.SetDate(date.Value, words[at] == "week" && !next ? DateRoll.Week : DateRoll.None);
        phrase.ImpliedTime = s_endOfDay;
        return true;
    }

    /// <summary>"on the 5th", "the 12th of December", "December 12", "12 December", "December the twelfth".</summary>
    private static bool TryDayOfMonth(Words words, int at, bool hadThe, string preposition, DateOnly today, DuePhrase phrase, out int end)
    {
        int day;
        if (s_months.TryGetValue(words[at], out var month) && (words[at] != "may" || words.IsCapitalised(at)))
        {
            var dayAt = words[at + 1] == "the" ? at + 2 : at + 1;
            if (!NumberWords.TryOrdinal(words, dayAt, out day, out end) && !NumberWords.TryBelowHundred(words, dayAt, out day, out end))
            {
                return false;
            }
        }
        else
        {
            var isOrdinal = NumberWords.TryOrdinal(words, at, out day, out end);
            if (!isOrdinal && (hadThe || !NumberWords.TryBelowHundred(words, at, out day, out end)))
            {
                return false;
            }

            var monthAt = words[end] == "of" ? end + 1 : end;
            if (s_months.TryGetValue(words[monthAt], out month))
            {
                end = monthAt + 1;
            }
            else if (isOrdinal && s_dayPrepositions.Contains(preposition))
            {
                month = 0;
            }
            else
            {
                return false;
            }
        }

        if (day is < 1 or > 31)
        {
            return false;
        }

        if (month == 0)
        {
            // The day of this month, or of the next month that has it (Roll.Month moves it on once passed).
            var first = new DateOnly(today.Year, today.Month, 1);
            for (var m = 0; m < 12; m++, first = first.AddMonths(1))
            {
                if (day <= DateTime.DaysInMonth(first.Year, first.Month) && first.AddDays(day - 1) >= today)
                {
                    phrase.SetDate(first.AddDays(day - 1), DateRoll.Month);
                    return true;
                }
            }

            return false;
        }

        for (var year = today.Year; year < today.Year + 8; year++)
        {
            if (day <= DateTime.DaysInMonth(year, month) && new DateOnly(year, month, day) >= today)
            {
                phrase.SetDate(new DateOnly(year, month, day), DateRoll.Year);
                return true;
            }
        }

        return false;
    }
}
