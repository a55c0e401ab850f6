using System.Net;
using System.Text.Json;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Connections;

/// <summary>
/// Requests that are malformed, oddly framed or addressed in unexpected ways: every one gets a
/// status with the JSON error shape every client of this API parses, and the server goes on.
/// </summary>
public sealed class ProtocolCornerTests
{
    [Theory]
    [InlineData("GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400)]
    [InlineData("GET /health HTTP/1.1\r\nHost: x\r\n folded: line\r\n\r\n", 400)]
    [InlineData("GET /health HTTP/2.0\r\nHost: x\r\n\r\n", 505)]
    [InlineData("GET /health HTTP/1.1\r\n\r\n", 400)]
    [InlineData("GET health HTTP/1.1\r\nHost: x\r\n\r\n", 400)]
    [InlineData("GET /health\r\nHost: x\r\n\r\n", 400)]
    [InlineData("GET /health HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400)]
    [InlineData("POST /auth/jwt/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", 400)]
    [InlineData("POST /auth/jwt/login HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 400)]
    [InlineData("POST /auth/jwt/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400)]
    [InlineData("POST /auth/jwt/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501)]
    [InlineData("POST /auth/jwt/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400)]
    [InlineData("POST /auth/jwt/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", 400)]
    [InlineData("GET /health HTTP/1.1\r\nHost: x\r\nX-Bell: a\u0007b\r\n\r\n", 400)]
    public async Task MalformedRequest_IsAnsweredInJson_AndTheServerGoesOn(string request, int status)
    {
        await using var server = await TestServer.StartAsync();

        var answer = await RawHttp.SendAsync(server.Port, request);

        Assert.Equal(status, answer.Status);
        Assert.StartsWith("application/json", answer.Header("Content-Type"), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(Detail(answer)));
        using var health = await server.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task RequestAddressedToAnotherHostName_IsServed_AsBehindAReverseProxy()
    {
        await using var server = await TestServer.StartAsync();

        var answer = await RawHttp.SendAsync(server.Port, "GET /health HTTP/1.1\r\nHost: friendlite.home.example:443\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, answer.Status);
        Assert.Contains("\"status\":\"ok\"", answer.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BodyShorterThanItsContentLength_Gets400_AndNoUserIsCreated()
    {
        await using var server = await TestServer.StartAsync();
        var (_, admin) = await server.CreateUserAsync("root@example.com", admin: true);
        const string json = "{\"email\":\"eve@example.com\",\"password\":\"long enough pw\"}";

        var answer = await RawHttp.SendAsync(
            server.Port,
            $"POST /api/users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {admin}\r\nContent-Type: application/json\r\nContent-Length: {json.Length + 40}\r\n\r\n{json}",
            endSending: true);

        Assert.Equal(400, answer.Status);
        Assert.Contains("ended after", Detail(answer), StringComparison.Ordinal);
        Assert.Null(await server.Server.Accounts.Users.FindByEmailAsync("eve@example.com", default));
    }

    [Fact]
    public async Task FormShorterThanItsContentLength_IsNotALogin()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateUserAsync("ann@example.com");
        const string form = "username=ann%40example.com&password=correct+horse+battery";

        var answer = await RawHttp.SendAsync(
            server.Port,
            $"POST /auth/jwt/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {form.Length + 1}\r\n\r\n{form}",
            endSending: true);

        Assert.Equal(400, answer.Status);
        Assert.Contains("ended after", Detail(answer), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", 426)]
    [InlineData("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", 426)]
    [InlineData("Sec-WebSocket-Version: 13\r\n", 400)]
    [InlineData("Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: not base64!\r\n", 400)]
    [InlineData("Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: c2hvcnQ=\r\n", 400)]
    public async Task BadWebSocketUpgrade_IsRefusedInJson_AndNothingIsRecorded(string handshake, int status)
    {
        await using var server = await TestServer.StartAsync();
        var (_, token) = await server.CreateUserAsync("ann@example.com");

        var answer = await RawHttp.SendAsync(
            server.Port,
            $"GET /ws_pcm?token={token} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n{handshake}\r\n");

        Assert.Equal(status, answer.Status);
        Assert.StartsWith("application/json", answer.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Contains("WebSocket", Detail(answer), StringComparison.Ordinal);
        if (status == 426)
        {
            Assert.Equal("13", answer.Header("Sec-WebSocket-Version"));
        }

        Assert.Equal(0, server.Server.Sessions.Count);
    }

    private static string Detail(RawAnswer answer)
    {
        using var json = JsonDocument.Parse(answer.Body);
        return json.RootElement.GetProperty("detail").GetString()!;
    }
}
