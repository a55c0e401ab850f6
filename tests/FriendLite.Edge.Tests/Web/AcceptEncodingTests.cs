using FriendLite.Edge.Web;

namespace FriendLite.Edge.Tests.Web;

/// <summary>Which coding a browser gets: Brotli before gzip when both are offered, never one it refused.</summary>
public sealed class AcceptEncodingTests
{
    [Theory]
    [InlineData(null, false, false)]
    [InlineData("", false, false)]
    [InlineData("identity", false, false)]
    [InlineData("gzip, deflate, br, zstd", true, true)]
    [InlineData("gzip", false, true)]
    [InlineData("BR;q=0.5", true, false)]
    [InlineData("br;q=0, gzip", false, true)]
    [InlineData("*", true, true)]
    [InlineData("*;q=0.1, br;q=0", false, true)]
    [InlineData("gzip;q=0.000", false, false)]
    [InlineData("br;q=nonsense, gzip", false, true)]
    public void Parse_AllowsWhatWasOffered(string? header, bool brotli, bool gzip)
    {
        Assert.Equal(new AcceptEncoding(brotli, gzip), AcceptEncoding.Parse(header));
    }
}
