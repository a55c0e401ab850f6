using FriendLite.Edge.Http;

namespace FriendLite.Edge.Tests.Http;

/// <summary>HTTP Range headers against a resource of 1000 bytes.</summary>
public sealed class ByteRangeTests
{
    [Theory]
    [InlineData("bytes=0-99", 0, 100, "bytes 0-99/1000")]
    [InlineData("bytes=900-", 900, 100, "bytes 900-999/1000")]
    [InlineData("bytes=-100", 900, 100, "bytes 900-999/1000")]
    [InlineData("bytes=-5000", 0, 1000, "bytes 0-999/1000")]
    [InlineData("bytes=990-5000", 990, 10, "bytes 990-999/1000")]
    [InlineData("bytes=999-999", 999, 1, "bytes 999-999/1000")]
    [InlineData("Bytes = 10-19", 10, 10, "bytes 10-19/1000")]
    public void Parse_OneSatisfiableRange_IsPartial(string header, long start, long length, string contentRange)
    {
        var range = ByteRange.Parse(header, 1000);

        Assert.Equal((RangeKind.Partial, start, length), (range.Kind, range.Start, range.Length));
        Assert.Equal(contentRange, range.ContentRange(1000));
    }

    [Theory]
    [InlineData("bytes=1000-")]
    [InlineData("bytes=1000-2000")]
    [InlineData("bytes=-0")]
    public void Parse_RangePastTheEnd_IsUnsatisfiable(string header)
    {
        var range = ByteRange.Parse(header, 1000);

        Assert.Equal(RangeKind.Unsatisfiable, range.Kind);
        Assert.Equal("bytes */1000", range.ContentRange(1000));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("items=0-9")]
    [InlineData("bytes=9-0")]
    [InlineData("bytes=a-b")]
    [InlineData("bytes=0-9,20-29")]
    [InlineData("bytes=")]
    [InlineData("bytes=--1")]
    public void Parse_NoUsableSingleRange_IsTheWholeResource(string? header)
    {
        var range = ByteRange.Parse(header, 1000);

        Assert.Equal((RangeKind.Whole, 0L, 1000L), (range.Kind, range.Start, range.Length));
    }

    [Fact]
    public void Parse_AnyRangeOfAnEmptyResource_IsUnsatisfiable()
    {
        Assert.Equal(RangeKind.Unsatisfiable, ByteRange.Parse("bytes=0-", 0).Kind);
        Assert.Equal(RangeKind.Unsatisfiable, ByteRange.Parse("bytes=-10", 0).Kind);
    }
}
