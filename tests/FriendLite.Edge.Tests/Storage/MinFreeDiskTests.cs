using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Tests.Storage;

/// <summary>The sizes <c>--min-free-disk</c> accepts, and what they keep free on a file system.</summary>
public sealed class MinFreeDiskTests
{
    [Theory]
    [InlineData("500M", 500L << 20)]
    [InlineData("2G", 2L << 30)]
    [InlineData("2g", 2L << 30)]
    [InlineData("1.5GiB", 3L << 29)]
    [InlineData("512MB", 512L << 20)]
    [InlineData("64K", 64L << 10)]
    [InlineData("1T", 1L << 40)]
    [InlineData("1048576", 1L << 20)]
    [InlineData("0", 0L)]
    public void Parse_ASize_KeepsThatManyBytesFreeOnAnyFileSystem(string text, long bytes)
    {
        var floor = MinFreeDisk.Parse(text);

        Assert.Equal(bytes, floor.BytesOf(32L << 30));
        Assert.Equal(bytes, floor.BytesOf(4L << 40));
    }

    [Fact]
    public void Parse_APercentage_KeepsThatShareOfTheFileSystemFree()
    {
        var floor = MinFreeDisk.Parse("5%");

        Assert.Equal(5L << 30, floor.BytesOf(100L << 30));
        Assert.Equal("5%", floor.ToString());
    }

    [Fact]
    public void Default_IsOneGibibyte()
    {
        Assert.Equal(1L << 30, MinFreeDisk.Default.BytesOf(100L << 30));
        Assert.Equal("1024 MiB", MinFreeDisk.Default.ToString());
    }
}
