namespace FriendLite.Edge.Memory;

/// <summary>A due moment found in a text, and the places of the words that said it (to cut them out of a description).</summary>
internal sealed record DueDate(DateTimeOffset At, IReadOnlyList<TextSpan> Spans);

/// <summary>
/// Resolves what people say about when ("on Friday at ten", "tomorrow morning", "before the
/// weekend", "in two hours") against the moment they said it, in their time zone. The result
/// carries the zone's offset at that date, so "Monday at ten" said on the Friday before the
/// clocks change is ten o'clock summer time.
///
/// The rules, chosen once and kept:
/// - A date with no time is due at 09:00 ("next week" is its Monday 09:00, "on the 5th" 09:00).
///   "today" alone is 18:00; "before/by the weekend" and "by the end of the week" are Friday
///   18:00; "the end of the month/day/year" is 18:00 on its last day; "at/this weekend" is Saturday 09:00;
///   "next month" is its 1st; "in March" is March 1st (said in March: the 31st, 18:00).
/// - Parts of the day: morning 09:00, afternoon 15:00, evening 19:00, tonight and night 20:00;
///   noon 12:00; midnight is the end of the day named (00:00 of the next one).
/// - An hour without am/pm ("at ten", "at 7:30", "half past four") is a daytime hour: 7 to 11
///   are the morning, 12 is noon, 1 to 6 the afternoon; with "afternoon", "evening" or "night"
///   it is after noon. With "today" and already past, it is the same hour after noon.
/// - A weekday is the coming one ("on Friday" said on Friday before the hour is today; after it,
///   next week's); "next Friday" is the Friday of next week (weeks start on Monday). A day of
///   the month or a date that has passed is next month's or next year's. A time alone that
///   has passed today is tomorrow's.
/// - "in two hours" and "in 30 minutes" count from the moment said; "in three days" is a date.
/// - A clock time the clocks skip (02:30 on the night they spring forward) moves on by the gap
///   (03:30); one they repeat is the first of the two.
/// </summary>
internal static class DueDateResolver
{
    private static readonly TimeOnly s_defaultTime = new(9, 0);

    /// <summary>The first due moment <paramref name="text"/> names, resolved against <paramref name="now"/> in <paramref name="zone"/>; null when it names none.</summary>
    public static DueDate? Resolve(string text, DateTimeOffset now, TimeZoneInfo zone)
    {
        var words = new Words(text);
        return Resolve(words, 0, words.Count, now, zone);
    }

    /// <summary>The first due moment named among words <paramref name="from"/> to <paramref name="to"/> (exclusive); spans are places in <see cref="Words.Text"/>.</summary>
    public static DueDate? Resolve(Words words, int from, int to, DateTimeOffset now, TimeZoneInfo zone)
    {
        var localNow = TimeZoneInfo.ConvertTime(now, zone);
        var today = DateOnly.FromDateTime(localNow.DateTime);
        var phrase = DuePhraseParser.Parse(words, today, from, to);
        return phrase is null ? null : new DueDate(Resolve(phrase, localNow, today, zone), phrase.Spans);
    }

    private static DateTimeOffset Resolve(DuePhrase phrase, DateTimeOffset now, DateOnly today, TimeZoneInfo zone)
    {
        if (phrase.FromNow is { } span)
        {
            return TimeZoneInfo.ConvertTime(now.Add(span), zone);
        }

        var time = TimeOf(phrase);
        if (phrase.Date is not { } date)
        {
            // A time alone: today's when still ahead, else tomorrow's.
            var at = Local(today, time ?? s_defaultTime, phrase.Midnight, zone);
            return at > now ? at : Local(today.AddDays(1), time ?? s_defaultTime, phrase.Midnight, zone);
        }

        var due = Local(date, time ?? phrase.ImpliedTime ?? s_defaultTime, phrase.Midnight, zone);
        if (due > now)
        {
            return due;
        }

        switch (phrase.Roll)
        {
            case DateRoll.Week:
                return Local(date.AddDays(7), time ?? phrase.ImpliedTime ?? s_defaultTime, phrase.Midnight, zone);
            case DateRoll.Month:
                for (var next = date.AddMonths(1); ; next = next.AddMonths(1))
                {
                    // The 31st moves on to the next month that has one.
                    if (date.Day <= DateTime.DaysInMonth(next.Year, next.Month))
                    {
                        return Local(new DateOnly(next.Year, next.Month, date.Day), time ?? s_defaultTime, phrase.Midnight, zone);
                    }
                }

            case DateRoll.Year:
                for (var year = date.Year + 1; ; year++)
                {
                    if (date.Day <= DateTime.DaysInMonth(year, date.Month))
                    {
                        return Local(new DateOnly(year, date.Month, date.Day), time ?? s_defaultTime, phrase.Midnight, zone);
                    }
                }

            default:
                // "today at eight" said at nine means eight in the evening.
                if (phrase.IsToday && phrase.HourIsBare && phrase.Part is null && phrase.Hour < 12 && time is { } bare)
                {
                    return Local(date, bare.AddHours(12), midnight: false, zone);
                }

                return due;
        }
    }

    /// <summary>The time of day said, with bare hours placed by the daytime rule; null when only a date was said.</summary>
    private static TimeOnly? TimeOf(DuePhrase phrase)
    {
        if (phrase.Midnight)
        {
            return TimeOnly.MinValue;
        }

        if (phrase.Hour is not { } hour)
        {
            return phrase.Part switch
            {
                DayPart.Morning => new TimeOnly(9, 0),
                DayPart.Afternoon => new TimeOnly(15, 0),
                DayPart.Evening => new TimeOnly(19, 0),
                DayPart.Night => new TimeOnly(20, 0),
                _ => null,
            };
        }

        if (phrase.HourIsBare)
        {
            hour = phrase.Part switch
            {
                DayPart.Afternoon or DayPart.Evening or DayPart.Night when hour < 12 => hour + 12,
                DayPart.Morning => hour % 12,
                null when hour <= 6 => hour + 12,
                _ => hour,
            };
        }

        return new TimeOnly(hour, phrase.Minute);
    }

    /// <summary>
    /// A wall-clock moment in the zone with the offset in force then. A time the clocks skip
    /// (02:30 when they spring forward) moves on by the gap; a time they repeat is the first one.
    /// </summary>
    private static DateTimeOffset Local(DateOnly date, TimeOnly time, bool midnight, TimeZoneInfo zone)
    {
        var local = (midnight ? date.AddDays(1) : date).ToDateTime(time, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            local += zone.GetUtcOffset(local.AddHours(6)) - zone.GetUtcOffset(local.AddHours(-6));
        }

        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset);
    }
}
