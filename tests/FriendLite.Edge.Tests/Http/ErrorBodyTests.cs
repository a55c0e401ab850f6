using System.Net;
using System.Text;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Http;

/// <summary>
/// Error bodies as a person reads them with curl: apostrophes as apostrophes (not <c>\u0027</c>), and
/// JSON mistakes described in our words, whatever the framework's own texts are in the build.
/// </summary>
public sealed class ErrorBodyTests
{
    [Fact]
    public async Task ErrorDetail_WithAnApostrophe_ReadsNaturallyInTheRawBody()
    {
        await using var server = await TestServer.StartAsync();
        var (_, token) = await server.CreateUserAsync("ann@example.com");
        using var client = server.ClientWithToken(token);

        using var response = await client.PostAsync("/api/conversations/nobody-here/close", null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("{\"detail\":\"No active client 'nobody-here'.\"}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public void GateRefusal_WithAnApostrophe_ReadsNaturallyInTheRawBody()
    {
        var answer = Encoding.ASCII.GetString(FriendLite.Edge.Connections.GateResponse.Error(431, "The request's headers are larger than 32 KiB."));

        Assert.EndsWith("\r\n\r\n{\"detail\":\"The request's headers are larger than 32 KiB.\"}", answer, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"email\":\"a@example.com\",\"password\":\"correct horse battery\",\"role\":\"god\"}", "The JSON body has an unknown field 'role'.")]
    [InlineData("{\"email\":\"a@example.com\",\n \"password\": correct}", "The JSON body is not valid JSON (at line 2, byte 14).")]
    [InlineData("{\"email\":\"a@example.com\",\"is_admin\":\"maybe\"}", "The JSON body has a value of the wrong type at $.is_admin.")]
    [InlineData("{\"email\":\"a@example.com\",\"is_admin\":2}", "The JSON body has a value of the wrong type at $.is_admin.")]
    public async Task CreateUser_BadJson_GetsOurSentence(string json, string detail)
    {
        await using var server = await TestServer.StartAsync();
        var (_, adminToken) = await server.CreateUserAsync("root@example.com", admin: true);
        using var admin = server.ClientWithToken(adminToken);

        using var response = await admin.PostAsync("/api/users", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal($"{{\"detail\":\"{detail}\"}}", await response.Content.ReadAsStringAsync());
    }
}
