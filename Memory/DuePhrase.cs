namespace FriendLite.Edge.Memory;

/// <summary>How a date that has already passed moves forward: "on Friday" said late on a Friday is next week's.</summary>
internal enum DateRoll
{
    None,
    Week,
    Month,
    Year,
}

internal enum DayPart
{
    Morning,
    Afternoon,
    Evening,
    Night,
}

/// <summary>
/// What the words of a due phrase said ("on Friday" and "at ten"), before <see cref="DueDateResolver"/>
/// turns it into a moment. The first date and the first time in a text count; later ones are left
/// in the text.
/// </summary>
internal sealed class DuePhrase
{
    public DateOnly? Date { get; private set; }

    public DateRoll Roll { get; private set; }

    /// <summary>"today" said explicitly: a bare hour already past today means the afternoon or evening.</summary>
    public bool IsToday { get; set; }

    /// <summary>The time the date phrase itself implies ("before the weekend" is Friday 18:00), when no time is said.</summary>
    public TimeOnly? ImpliedTime { get; set; }

    public int? Hour { get; private set; }

    public int Minute { get; private set; }

    /// <summary>An hour said without am/pm, a part of the day or a 24-hour form ("at ten", "at 7:30").</summary>
    public bool HourIsBare { get; private set; }

    public bool Midnight { get; set; }

    public DayPart? Part { get; set; }

    /// <summary>"in two hours": a moment counted from the conversation's start, not a date.</summary>
    public TimeSpan? FromNow { get; set; }

    public List<TextSpan> Spans { get; } = [];

    public bool HasDate => Date is not null || FromNow is not null;

    public bool HasTime => Hour is not null || Midnight || FromNow is not null;

    public void SetDate(DateOnly date, DateRoll roll = DateRoll.None)
    {
        Date = date;
        Roll = roll;
    }

    public void SetTime(int hour, int minute, bool bare)
    {
        Hour = hour;
        Minute = minute;
        HourIsBare = bare;
    }
}
