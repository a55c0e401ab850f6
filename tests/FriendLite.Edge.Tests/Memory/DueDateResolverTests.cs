using FriendLite.Edge.Memory;
using static FriendLite.Edge.Tests.Memory.ExtractorText;

namespace FriendLite.Edge.Tests.Memory;

/// <summary>The due-date resolver's own contract: the moment, and the places of the words that said it.</summary>
public sealed class DueDateResolverTests
{
    private static readonly DateTimeOffset s_now = Moment(Wednesday)!.Value;

    [Fact]
    public void Resolve_DateAndTime_GivesMomentAndBothPhrases()
    {
        const string Text = "call the dentist on Friday at ten please";

        var due = DueDateResolver.Resolve(Text, s_now, Berlin);

        Assert.NotNull(due);
        Assert.Equal("2026-12-04T10:00:00+01:00", Show(due.At));
        Assert.Equal(["on Friday", "at ten"], due.Spans.Select(s => Text.Substring(s.Start, s.Length)));
    }

    [Fact]
    public void Resolve_NowInAnotherOffset_ResolvesInTheZone()
    {
        // 08:15 UTC is 09:15 in Berlin: "at nine" has passed there, so it is tomorrow's.
        var due = DueDateResolver.Resolve("at nine", s_now.ToUniversalTime(), Berlin);

        Assert.Equal("2026-12-03T09:00:00+01:00", Show(due?.At));
    }

    [Fact]
    public void Resolve_TimeTheClocksSkip_MovesOnByTheGap()
    {
        var saturday = Moment("2026-03-28T12:00:00+01:00")!.Value;

        var due = DueDateResolver.Resolve("tomorrow at 2:30 in the morning", saturday, Berlin);

        Assert.Equal("2026-03-29T03:30:00+02:00", Show(due?.At));
    }

    [Theory]
    [InlineData("The glass furnace runs at two thousand degrees.")]
    [InlineData("It weighs about two hundred pounds.")]
    [InlineData("We talked about two things.")]
    [InlineData("I bought ten apples.")]
    [InlineData("The first time was fun.")]
    [InlineData("Call two friends.")]
    public void Resolve_NoDateOrTime_GivesNull(string text)
    {
        Assert.Null(DueDateResolver.Resolve(text, s_now, Berlin));
    }
}
