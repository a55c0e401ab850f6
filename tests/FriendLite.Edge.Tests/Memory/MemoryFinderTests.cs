using FriendLite.Edge.Memory;
using static FriendLite.Edge.Tests.Memory.ExtractorText;

namespace FriendLite.Edge.Tests.Memory;

/// <summary>Which sentences the offline extractor remembers, and how the memory reads.</summary>
public sealed class MemoryFinderTests
{
    [Theory]
    [InlineData("I like tea.", "User likes tea.")]
    [InlineData(" I'm allergic to peanuts.", "User is allergic to peanuts.")]
    [InlineData("My sister Anna lives in Lyon.", "User's sister Anna lives in Lyon.")]
    [InlineData("I no longer like tea.", "User no longer likes tea.")]
    [InlineData("I don't drink coffee anymore.", "User doesn't drink coffee anymore.")]
    [InlineData("So I really love hiking in the Alps.", "User really loves hiking in the Alps.")]
    [InlineData("I work as a nurse at the Charité.", "User works as a nurse at the Charité.")]
    [InlineData("I have two cats.", "User has 2 cats.")]
    [InlineData("I'm a vegetarian.", "User is a vegetarian.")]
    [InlineData("I watch football every week.", "User watches football every week.")]
    [InlineData("I was born in Porto.", "User was born in Porto.")]
    [InlineData("Our dog Max is five years old.", "Our dog Max is 5 years old.")]
    [InlineData("The glass furnace runs at two thousand degrees.", "The glass furnace runs at 2000 degrees.")]
    [InlineData("The boat needs four hundred and twenty litres of diesel.", "The boat needs 420 litres of diesel.")]
    public void Extract_Statement_IsRememberedStandalone(string sentence, string memory)
    {
        var extraction = Extract(Wednesday, sentence);

        Assert.Equal(memory, Assert.Single(extraction.Memories).Text);
        Assert.Empty(extraction.ActionItems);
    }

    [Theory]
    [InlineData("Good morning.")]
    [InlineData("Okay.")]
    [InlineData("Thanks.")]
    [InlineData("Thank you so much.")]
    [InlineData("Yeah, I know.")]
    [InlineData("I think so.")]
    [InlineData("I'm tired.")]
    [InlineData("I'm so tired.")]
    [InlineData("I'm at work.")]
    [InlineData("I'm going home.")]
    [InlineData("It's raining.")]
    [InlineData("What do you like?")]
    [InlineData("Do you have two minutes?")]
    [InlineData("You should try the soup.")]
    [InlineData("The weather is nice.")]
    [InlineData("My sister visits on Friday.")]
    [InlineData("I don't know.")]
    [InlineData("That's three euros.")]
    public void Extract_FillerOrPassingRemark_IsNotRemembered(string sentence)
    {
        Assert.Empty(Extract(Wednesday, sentence).Memories);
    }

    [Fact]
    public void Extract_TwoStatementsInOneSentence_AreTwoMemories()
    {
        var memories = Extract(Wednesday, "I no longer like tea, I drink coffee now.").Memories;

        Assert.Equal(["User no longer likes tea.", "User drinks coffee now."], memories.Select(m => m.Text));
    }

    [Fact]
    public void Extract_SentenceThatBecameATask_IsNotAlsoAMemory()
    {
        var extraction = Extract(Wednesday, "I need to call my sister Anna in Lyon.");

        Assert.Equal("Call my sister Anna in Lyon", Assert.Single(extraction.ActionItems).Description);
        Assert.Empty(extraction.Memories);
    }

    [Fact]
    public void Extract_SameFactTwice_IsOneMemory()
    {
        var memories = Extract(Wednesday, " I like tea.", " Yeah. I like tea!", " i like tea", " So I like tea.").Memories;

        var memory = Assert.Single(memories);
        Assert.Equal("User likes tea.", memory.Text);
        Assert.Equal([100L], memory.Segments);
    }

    [Fact]
    public void Extract_ManyFacts_KeepsTheFirstFew()
    {
        var facts = new[]
        {
            "I like tea.", "I'm allergic to peanuts.", "My sister Anna lives in Lyon.", "I have two cats.", "I'm a vegetarian.",
            "I play the cello.", "My brother Tom works in Oslo.", "I collect old maps.",
        };

        var memories = Extract(Wednesday, facts).Memories;

        Assert.Equal(MemoryFinder.MaxMemories, memories.Count);
        Assert.Equal("User likes tea.", memories[0].Text);
        Assert.Equal("User is a vegetarian.", memories[^1].Text);
    }

    [Fact]
    public void Extract_LongUnpunctuatedTranscript_NeverBecomesAMemory()
    {
        // Whisper without punctuation: the words of a whole conversation in a few lines.
        var lines = new[]
        {
            " so I was thinking about the holiday and my sister Anna said she wants to go to Lyon",
            " in the summer because her friends live there and I said I like the idea but the flights",
            " are expensive and the hotel is four hundred euros a night which is a lot for us",
        };
        var transcript = string.Join(' ', lines.Select(l => l.Trim()));

        var extraction = Extract(Wednesday, lines);

        // One run of 55 words is no standalone fact: nothing is remembered rather than the run itself.
        Assert.Empty(extraction.Memories);
        Assert.DoesNotContain(extraction.Memories, m => m.Text.Length >= transcript.Length / 2);
    }
}
