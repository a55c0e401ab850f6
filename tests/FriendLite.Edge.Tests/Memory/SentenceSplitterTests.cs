using FriendLite.Edge.Memory;

namespace FriendLite.Edge.Tests.Memory;

/// <summary>Whisper's lines into sentences: across lines, inside lines, without markers.</summary>
public sealed class SentenceSplitterTests
{
    [Fact]
    public void Split_LinesAndSentences_FollowThePunctuation()
    {
        var sentences = Split(" Good morning. Remind me to call", " the dentist on Friday at ten.", " [BLANK_AUDIO]", " (music) Thanks!");

        Assert.Equal(["Good morning.", "Remind me to call the dentist on Friday at ten.", "Thanks!"], sentences.Select(s => s.Text));
        Assert.Equal([[100L], [100L, 101L], [103L]], sentences.Select(s => s.Segments.ToArray()));
    }

    [Theory]
    [InlineData("I saw Dr. Smith today.", new[] { "I saw Dr. Smith today." })]
    [InlineData("Meet me at 3 p.m. tomorrow.", new[] { "Meet me at 3 p.m. tomorrow." })]
    [InlineData("It starts at 3 p.m. Then we eat.", new[] { "It starts at 3 p.m.", "Then we eat." })]
    [InlineData("So... maybe later. Okay?", new[] { "So... maybe later.", "Okay?" })]
    [InlineData("The train leaves at 10.30 from platform two.", new[] { "The train leaves at 10.30 from platform two." })]
    [InlineData("*laughs* ♪ la la ♪ Really?! Yes.", new[] { "Really?!", "Yes." })]
    public void Split_OneLine_CutsOnlyAtSentenceEnds(string line, string[] expected)
    {
        Assert.Equal(expected, Split(line).Select(s => s.Text));
    }

    [Fact]
    public void Split_UnpunctuatedLinesAfterAPause_AreTwoSentences()
    {
        var lines = new[]
        {
            new TranscriptLine(1, null, " call the dentist", 0, 2),
            new TranscriptLine(2, null, " buy milk", 2 + SentenceSplitter.PauseSeconds, 6),
        };

        Assert.Equal(["call the dentist", "buy milk"], SentenceSplitter.Split(lines).Select(s => s.Text));
    }

    [Fact]
    public void Split_CapitalAtLineStart_StartsASentence()
    {
        Assert.Equal(["and then we bought cheese", "Please email the landlord."], Split(" and then we bought cheese", " Please email the landlord.").Select(s => s.Text));
        Assert.Equal(["so I said I would call"], Split(" so I said", " I would call").Select(s => s.Text));
    }

    private static List<Sentence> Split(params string[] lines) =>
        SentenceSplitter.Split(lines.Select((text, i) => new TranscriptLine(100 + i, null, text, i, i + 0.9)).ToList());
}
