using System.Net;
using System.Net.WebSockets;
using FriendLite.Edge.Http;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Server;

/// <summary>A server that can no longer serve must exit non-zero, so that systemd restarts it.</summary>
public sealed class ServerFaultTests
{
    [Fact]
    public async Task RequestsGroupFaulted_RunReturnsOne_InsteadOfAnswering503Forever()
    {
        await using var server = await TestServer.StartAsync(map: (router, _) => router.MapGet("/fault", async context =>
        {
            // Answered first: the fault stops the server, and an answer still being written then can
            // be cut off (it was, once, in CI). The fault is what the test is about, not this answer.
            await context.WriteErrorAsync(202, "spawned");
            // A fault of the group every request and session lives in, not of one request.
            context.Group!.Spawn("broken", _ => throw new InvalidOperationException("injected"));
        }, Access.Anonymous));
        var (_, token) = await server.CreateUserAsync("ann@example.com");
        await using var device = await DeviceClient.ConnectAsync(server, "/ws_omi", token);
        var closed = device.WaitForCloseAsync();
        var run = server.Server.RunAsync(CancellationToken.None);

        using var response = await server.Client.GetAsync("/fault");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1, await run.WaitAsync(TimeSpan.FromSeconds(20)));
        // The device is told the server is going away (1001), so it reconnects to the restarted one, not 1011.
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, (await closed).Status);
    }
}
