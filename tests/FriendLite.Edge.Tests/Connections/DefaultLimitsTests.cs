using System.Net;
using System.Text.Json;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Connections;

/// <summary>The limits a server has without any flag: what a LAN full of strangers meets.</summary>
public sealed class DefaultLimitsTests
{
    [Fact]
    public async Task PartialHeaders_AreAnswered408AndClosed_WhileOthersAreServed()
    {
        await using var server = await TestServer.StartAsync();
        var sockets = Enumerable.Range(0, 20).Select(_ => RawHttp.Connect(server.Port, "127.0.0.9")).ToList();
        try
        {
            foreach (var socket in sockets)
            {
                await socket.SendAsync("GET /health HTTP/1.1\r\nHost: x\r\nUser-Ag"u8.ToArray());
            }

            using var health = await server.Client.GetAsync("/health"); // served while they hang
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);

            // The default header deadline is 10 s; they were open for 150 s and more before.
            var answers = await Task.WhenAll(sockets.Select(s => RawHttp.ReadAsync(s, TimeSpan.FromSeconds(25))));
            Assert.All(answers, a =>
            {
                Assert.True(a.ClosedByServer);
                Assert.Equal(408, a.Status);
                using var json = JsonDocument.Parse(a.Body);
                Assert.Contains("did not arrive within 10 s", json.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
            });
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }
}
