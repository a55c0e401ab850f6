using FriendLite.Edge.Memory;

namespace FriendLite.Edge.Tests.Memory;

public sealed class LocalConsolidationTests
{
    [Theory]
    [InlineData("User no longer likes tea", "User likes tea")]
    [InlineData("I no longer like tea", "I like tea")]
    [InlineData("I no longer like tea, I drink coffee now", "I like tea")]
    [InlineData("User doesn't drink coffee anymore", "User drinks coffee")]
    [InlineData("I don't drink coffee any more", "I drink coffee")]
    public void Negation_DeletesTheMemoryItTakesBack_AndIsAdded(string fact, string stored)
    {
        var decisions = LocalConsolidation.Decide([fact], [new StoredMemory(7, stored), new StoredMemory(8, "User likes green tea with honey")]);

        Assert.Equal([new MemoryDecision(MemoryEvent.Delete, 7, ""), new MemoryDecision(MemoryEvent.Add, null, fact)], decisions);
    }

    [Fact]
    public void SameFactInOtherCaseOrPunctuation_IsNotAddedAgain()
    {
        var decisions = LocalConsolidation.Decide(["user likes TEA!", "User owns a kiln", "User owns a kiln."], [new StoredMemory(1, "User likes tea")]);

        Assert.Equal([new MemoryDecision(MemoryEvent.Add, null, "User owns a kiln")], decisions);
    }

    [Theory]
    [InlineData("User likes coffee")]
    [InlineData("User no longer lives in Lyon")]
    [InlineData("I don't like tea")]
    public void FactsThatTakeNothingBack_AreOnlyAdded(string fact)
    {
        var decisions = LocalConsolidation.Decide([fact], [new StoredMemory(1, "User likes tea")]);

        Assert.Equal([new MemoryDecision(MemoryEvent.Add, null, fact)], decisions);
    }
}
