using FriendLite.Edge.Memory;
using static FriendLite.Edge.Tests.Memory.ExtractorText;

namespace FriendLite.Edge.Tests.Memory;

/// <summary>The offline extractor on whole conversations: the fixture's three utterances, Whisper's habits, titles and summaries.</summary>
public sealed class LocalExtractorTests
{
    /// <summary>conversation-3utt.wav's words (fixtures README), as Whisper gives them: one line per utterance, leading spaces.</summary>
    private static readonly string[] s_threeUtterances =
    [
        " Good morning. Remind me to call the dentist on Friday at ten.",
        " The glass furnace runs at two thousand degrees and weighs four hundred pounds.",
        " Please buy oat milk and coffee beans before the weekend.",
    ];

    [Fact]
    public void Extract_ThreeUtterances_GivesDentistOatMilkAndFurnace()
    {
        var extraction = Extract(Wednesday, s_threeUtterances);

        Assert.Equal(ExtractionSource.Local, extraction.Source);
        Assert.Equal(2, extraction.ActionItems.Count);
        var dentist = extraction.ActionItems[0];
        Assert.Equal("Call the dentist", dentist.Description);
        Assert.Equal("2026-12-04T10:00:00+01:00", Show(dentist.DueAt)); // the coming Friday, 10:00 in Berlin
        Assert.Equal([100L], dentist.Segments);
        Assert.Equal("Good morning. Remind me to call the dentist on Friday at ten.".Split(". ")[1], dentist.Context);
        var shopping = extraction.ActionItems[1];
        Assert.Contains("oat milk", shopping.Description, StringComparison.Ordinal);
        Assert.Contains("coffee beans", shopping.Description, StringComparison.Ordinal);
        Assert.Equal("2026-12-04T18:00:00+01:00", Show(shopping.DueAt));
        Assert.Equal([102L], shopping.Segments);

        var furnace = Assert.Single(extraction.Memories);
        Assert.Equal("The glass furnace runs at 2000 degrees and weighs 400 pounds.", furnace.Text);
        Assert.Equal([101L], furnace.Segments);
        Assert.DoesNotContain(extraction.Memories, m => s_threeUtterances.Any(line => line.Trim() == m.Text));

        Assert.Equal("Dentist, glass furnace and oat milk", extraction.Title);
        Assert.Equal("Remind me to call the dentist on Friday at ten.", extraction.Summary);
        Assert.DoesNotContain("morning", string.Join(' ', extraction.Memories.Select(m => m.Text).Concat(extraction.ActionItems.Select(i => i.Description))), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Extract_ThreeUtterancesWithDigitsAndMarkers_GivesTheSame()
    {
        var extraction = Extract(Wednesday,
            " [BLANK_AUDIO]",
            " Good morning.",
            " Remind me to call the dentist on Friday at 10.",
            " (music)",
            " The glass furnace runs at 2,000 degrees and weighs 400 pounds.",
            " Please buy oat milk and coffee beans before the weekend. [BLANK_AUDIO]");

        Assert.Equal(["Call the dentist", "Buy oat milk and coffee beans"], extraction.ActionItems.Select(i => i.Description));
        Assert.Equal("2026-12-04T10:00:00+01:00", Show(extraction.ActionItems[0].DueAt));
        Assert.Equal("The glass furnace runs at 2000 degrees and weighs 400 pounds.", Assert.Single(extraction.Memories).Text);
        Assert.Equal("Remind me to call the dentist on Friday at 10.", extraction.Summary);
    }

    [Fact]
    public void Extract_SentenceAcrossLines_IsOneItemFromBothSegments()
    {
        var extraction = Extract(Wednesday, " Remind me to call", " the dentist on Friday at ten.");

        var item = Assert.Single(extraction.ActionItems);
        Assert.Equal("Call the dentist", item.Description);
        Assert.Equal("2026-12-04T10:00:00+01:00", Show(item.DueAt));
        Assert.Equal([100L, 101L], item.Segments);
        Assert.Equal("Remind me to call the dentist on Friday at ten.", item.Context);
    }

    [Fact]
    public void Extract_TwoSentencesOnOneLine_AreSplit()
    {
        var extraction = Extract(Wednesday, " I'm allergic to peanuts. Please buy oat milk tomorrow! Thanks.");

        Assert.Equal("User is allergic to peanuts.", Assert.Single(extraction.Memories).Text);
        var item = Assert.Single(extraction.ActionItems);
        Assert.Equal("Buy oat milk", item.Description);
        Assert.Equal("Please buy oat milk tomorrow!", item.Context);
    }

    [Fact]
    public void Extract_OddCapitalisation_IsReadTheSame()
    {
        var item = Assert.Single(Extract(Wednesday, " remind Me To Call the dentist ON FRIDAY at TEN").ActionItems);

        Assert.Equal("Call the dentist", item.Description);
        Assert.Equal("2026-12-04T10:00:00+01:00", Show(item.DueAt));
    }

    [Fact]
    public void Extract_TwoTasksInOneSentence_AreTwoItemsEachWithItsDate()
    {
        var items = Extract(Wednesday, "I need to call Bob and I have to buy milk tomorrow.").ActionItems;

        Assert.Equal(["Call Bob", "Buy milk"], items.Select(i => i.Description));
        Assert.Null(items[0].DueAt);
        Assert.Equal("2026-12-03T09:00:00+01:00", Show(items[1].DueAt));
    }

    [Fact]
    public void Extract_TwoVerbsAfterOneTrigger_AreTwoItemsSharingALaterDate()
    {
        var items = Extract(Wednesday, "I need to call Bob and buy milk tomorrow.").ActionItems;

        Assert.Equal(["Call Bob", "Buy milk"], items.Select(i => i.Description));
        Assert.All(items, i => Assert.Equal("2026-12-03T09:00:00+01:00", Show(i.DueAt)));
    }

    [Fact]
    public void Extract_TwoVerbsEachWithItsDate_KeepTheirOwn()
    {
        var items = Extract(Wednesday, "I need to call the dentist on Friday at ten and buy milk tomorrow.").ActionItems;

        Assert.Equal(["Call the dentist", "Buy milk"], items.Select(i => i.Description));
        Assert.Equal(["2026-12-04T10:00:00+01:00", "2026-12-03T09:00:00+01:00"], items.Select(i => Show(i.DueAt)));
    }

    [Fact]
    public void Extract_VerbWithoutObjectAfterAnd_IsPartOfTheList()
    {
        Assert.Equal("Buy bread and water", Assert.Single(Extract(Wednesday, "Please buy bread and water.").ActionItems).Description);
    }

    [Fact]
    public void Extract_ReasonAfterTheTask_IsLeftInTheContext()
    {
        var item = Assert.Single(Extract(Wednesday, "I need to call the dentist on Friday because my tooth hurts.").ActionItems);

        Assert.Equal("Call the dentist", item.Description);
        Assert.Equal("I need to call the dentist on Friday because my tooth hurts.", item.Context);
    }

    [Fact]
    public void Extract_Urgent_IsHighPriorityAndLeftOutOfTheDescription()
    {
        var item = Assert.Single(Extract(Wednesday, "Remind me to renew the car insurance urgently.").ActionItems);

        Assert.Equal("Renew the car insurance", item.Description);
        Assert.Equal("high", item.Priority);
    }

    [Fact]
    public void Extract_SameTaskTwice_IsOneItem()
    {
        var items = Extract(Wednesday, "Remind me to call the dentist on Friday.", "Yes, remind me to call the dentist on Friday.").ActionItems;

        Assert.Single(items);
    }

    [Fact]
    public void Extract_Empty_GivesNothingAndNoTitle()
    {
        var extraction = Extract(Wednesday);

        Assert.Null(extraction.Title);
        Assert.Null(extraction.Summary);
        Assert.Empty(extraction.Memories);
        Assert.Empty(extraction.ActionItems);
        Assert.Equal(ExtractionSource.Local, extraction.Source);
    }

    [Fact]
    public void Extract_OnlyMarkersAndGreetings_GivesNothingAndNoTitle()
    {
        var extraction = Extract(Wednesday, " [BLANK_AUDIO]", " Good morning.", " (music)", " Okay, thanks.", " Thank you.", " *laughs*");

        Assert.Null(extraction.Title);
        Assert.Null(extraction.Summary);
        Assert.Empty(extraction.Memories);
        Assert.Empty(extraction.ActionItems);
    }

    [Fact]
    public void Extract_NoTasksOrFacts_TitleFromMostFrequentWords()
    {
        var extraction = Extract(Wednesday, " Hello there.", " The garden looks lovely in spring.", " The garden needs a new fence before spring.", " Spring is busy.");

        Assert.Equal("Spring and garden", extraction.Title);
        Assert.Equal("The garden looks lovely in spring.", extraction.Summary);
    }

    [Fact]
    public void Extract_ManyTopics_TitleHasAtMostSixWords()
    {
        var extraction = Extract(Wednesday,
            "Please buy oat milk and coffee beans.", "Remind me to call the dentist.", "I need to renew the passport.",
            "Let's book the holiday cottage.", "My sister Anna lives in Lyon.");

        Assert.NotNull(extraction.Title);
        Assert.InRange(extraction.Title.Split(' ').Length, 1, TitleMaker.MaxWords);
        Assert.StartsWith("Oat milk", extraction.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_SameTranscript_SameExtraction()
    {
        var lines = Enumerable.Range(0, 5).SelectMany(_ => s_threeUtterances.Append(" I like tea, I'm allergic to peanuts.")).ToArray();

        var first = Describe(Extract(Wednesday, lines));
        var second = Describe(Extract(Wednesday, lines));

        Assert.Equal(first, second);
        Assert.Contains("Call the dentist", first, StringComparison.Ordinal);
    }

    private static string Describe(Extraction extraction) => string.Join('\n',
        [
            extraction.Title ?? "-", extraction.Summary ?? "-",
            .. extraction.ActionItems.Select(i => $"{i.Description}|{Show(i.DueAt)}|{string.Join(',', i.Segments)}|{i.Priority}|{i.Context}"),
            .. extraction.Memories.Select(m => $"{m.Text}|{string.Join(',', m.Segments)}"),
        ]);
}
