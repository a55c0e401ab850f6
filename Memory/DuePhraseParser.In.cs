namespace FriendLite.Edge.Memory;

/// <summary>"in" phrases: "in two hours", "in 30 minutes", "in three days", "in a week", "in March".</summary>
internal static partial class DuePhraseParser
{
    /// <summary>"in two hours", "in 30 minutes", "in half an hour", "in an hour and a half", "in three days", "in a week".</summary>
    private static bool TryIn(Words words, int i, DateOnly today, DuePhrase phrase, out int end)
    {
        end = i;
        var at = i + 1;
        double amount;
        if (words[i] is not ("in" or "within"))
        {
            return false;
        }
        else if (TryMonth(words, at, today, phrase))
        {
            end = at + 1;
            return true;
        }
        else if (words[at] == "half" && words[at + 1] is "an" or "a")
        {
            amount = 0.5;
            at += 2;
        }
        else if (words[at] == "a" && words[at + 1] is "couple" or "few")
        {
            amount = words[at + 1] == "couple" ? 2 : 3;
            at += words[at + 2] == "of" ? 3 : 2;
        }
        else if (words[at] is "a" or "an")
        {
            amount = 1;
            at++;
        }
        else if (NumberWords.TryNumber(words, at, out var number, out var afterNumber) && number is > 0 and <= 1000)
        {
            amount = number;
            at = afterNumber;
        }
        else
        {
            return false;
        }

        // "two and a half hours", "an hour and a half".
        var half = IsAndAHalf(words, at);
        at += half ? 3 : 0;
        var unit = words[at++];
        if (!half && IsAndAHalf(words, at))
        {
            half = true;
            at += 3;
        }

        amount += half ? 0.5 : 0;
        var whole = amount == Math.Floor(amount);
        switch (unit)
        {
            case "minute" or "minutes" or "min" or "mins":
                phrase.FromNow = TimeSpan.FromMinutes(amount);
                break;
            case "hour" or "hours":
                phrase.FromNow = TimeSpan.FromHours(amount);
                break;
            case "day" or "days" when whole:
                phrase.SetDate(today.AddDays((int)amount));
                break;
            case "week" or "weeks" when whole:
                phrase.SetDate(today.AddDays(7 * (int)amount));
                break;
            case "fortnight" when amount == 1:
                phrase.SetDate(today.AddDays(14));
                break;
            case "month" or "months" when whole:
                phrase.SetDate(today.AddMonths((int)amount));
                break;
            default:
                return false;
        }

        end = at;
        return true;
    }

    /// <summary>
    /// "in March": its first day, the next one to come; said in March itself, the end of the month
    /// (18:00 on its last day), as the 1st has passed and a year on is not what was meant.
    /// </summary>
    private static bool TryMonth(Words words, int at, DateOnly today, DuePhrase phrase)
    {
        if (!s_months.TryGetValue(words[at], out var month) || (words[at] == "may" && !words.IsCapitalised(at)))
        {
            return false;
        }

        if (month == today.Month)
        {
            phrase.SetDate(new DateOnly(today.Year, month, DateTime.DaysInMonth(today.Year, month)));
            phrase.ImpliedTime = s_endOfDay;
        }
        else
        {
            phrase.SetDate(new DateOnly(month > today.Month ? today.Year : today.Year + 1, month, 1));
        }

        return true;
    }

    private static bool IsAndAHalf(Words words, int at) => words[at] == "and" && words[at + 1] == "a" && words[at + 2] == "half";
}
