using System.Net;
using FriendLite.Edge.Connections;
using FriendLite.Edge.Http;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Connections;

/// <summary>The keep-alive deadline is for connections with nothing under way: a request the host takes long to answer (an upload being converted) is answered.</summary>
public sealed class SlowAnswerTests
{
    [Fact]
    public async Task Request_AnsweredLaterThanTheKeepAliveTimeout_IsStillAnswered_AndTheConnectionThenIdlesOut()
    {
        await using var server = await TestServer.StartAsync(
            map: (router, _) => router.MapPost("/slow", async c =>
            {
                await Task.Delay(TimeSpan.FromSeconds(2), c.CancellationToken);
                await c.WriteErrorAsync(200, "done at last");
            }, Access.Anonymous),
            configure: o => o with { Connections = o.Connections with { KeepAliveTimeout = TimeSpan.FromMilliseconds(300) } });

        using var response = await server.Client.PostAsync("/slow", new StringContent("upload"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("done at last", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await ConversationSeed.UntilAsync(() => Task.FromResult(server.Server.Gate.Counters[ConnectionEnd.Idle]), n => n == 1, "the answered connection to idle out");
    }
}
