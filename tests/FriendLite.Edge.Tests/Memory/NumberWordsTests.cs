using FriendLite.Edge.Memory;

namespace FriendLite.Edge.Tests.Memory;

/// <summary>Numbers as Whisper writes them, read and written as digits.</summary>
public sealed class NumberWordsTests
{
    [Theory]
    [InlineData("seven", 7)]
    [InlineData("twenty-five", 25)]
    [InlineData("twenty five", 25)]
    [InlineData("four hundred and twenty", 420)]
    [InlineData("two thousand", 2000)]
    [InlineData("a hundred", 100)]
    [InlineData("two thousand four hundred and five", 2405)]
    [InlineData("2,000", 2000)]
    [InlineData("31", 31)]
    public void TryNumber_Spoken_GivesValue(string text, long value)
    {
        var words = new Words(text);

        Assert.True(NumberWords.TryNumber(words, 0, out var read, out var next));
        Assert.Equal(value, read);
        Assert.Equal(words.Count, next);
    }

    [Theory]
    [InlineData("5th", 5)]
    [InlineData("fifth", 5)]
    [InlineData("twenty-first", 21)]
    [InlineData("thirtieth", 30)]
    [InlineData("3rd", 3)]
    public void TryOrdinal_Spoken_GivesValue(string text, int value)
    {
        Assert.True(NumberWords.TryOrdinal(new Words(text), 0, out var read, out _));
        Assert.Equal(value, read);
    }

    [Theory]
    [InlineData("The furnace runs at two thousand degrees.", "The furnace runs at 2000 degrees.")]
    [InlineData("It weighs four hundred pounds and costs 2,500 euros.", "It weighs 400 pounds and costs 2500 euros.")]
    [InlineData("The one I like has twenty-two rooms.", "The one I like has 22 rooms.")]
    [InlineData("A hundred people and an hour.", "100 people and an hour.")]
    public void ToDigits_SpokenNumbers_AreWrittenAsDigits(string text, string expected)
    {
        Assert.Equal(expected, NumberWords.ToDigits(text));
    }
}
