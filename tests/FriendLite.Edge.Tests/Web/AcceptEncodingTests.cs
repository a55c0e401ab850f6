using FriendLite.Edge.Web;

namespace FriendLite.Edge.Tests.Web;

/// <summary>Whether a browser gets gzip: when it offers it (by name or by <c>*</c>), never when it refused it.</summary>
public sealed class AcceptEncodingTests
{
    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("identity", false)]
    [InlineData("gzip, deflate, br, zstd", true)]
    [InlineData("gzip", true)]
    [InlineData("X-GZIP", true)]
    [InlineData("BR;q=0.5", false)]
    [InlineData("br, gzip;q=0", false)]
    [InlineData("*", true)]
    [InlineData("*;q=0.1, br;q=0", true)]
    [InlineData("*, gzip;q=0", false)]
    [InlineData("gzip;q=0.000", false)]
    [InlineData("gzip;q=nonsense", false)]
    public void Parse_AllowsWhatWasOffered(string? header, bool gzip)
    {
        Assert.Equal(new AcceptEncoding(gzip), AcceptEncoding.Parse(header));
    }

}
