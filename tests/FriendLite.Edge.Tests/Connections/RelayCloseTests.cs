using System.Net.WebSockets;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Connections;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Tests.Connections;

/// <summary>
/// What the host wrote reaches the client even when the relay is slow to copy it. On a loaded
/// machine a session's close frame could be lost when the session ended while its device was still
/// sending: the host's side closed with the device's frames unread (a reset), the relay's send of
/// the next frame failed, and the connection's abort cancelled the relay's read or write of the
/// close frame. Found by the device fuzzer under load; the pause makes the delay certain.
/// </summary>
public sealed class RelayCloseTests
{
    [Theory]
    [InlineData("write")] // the relay has the close frame in hand when the connection ends
    [InlineData("read")] // the close frame is still in the relay's socket when the host closes its side
    public async Task ProtocolViolationFollowedByMoreFrames_AndTheRelayIsSlow_TheDeviceStillGetsItsCloseFrame(string stage)
    {
        var slow = stage == "read" ? RelayStage.Read : RelayStage.Write;
        await using var server = await TestServer.StartAsync(configure: o => o with
        {
            Connections = o.Connections with { RelayPause = at => at == slow ? Task.Delay(300) : Task.CompletedTask },
        });
        var (_, token) = await server.CreateUserAsync("ann@example.com");
        await using var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token);
        await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);

        // A binary frame with no event header before it: the server closes with 1002 and resets its
        // side while the frames sent after it are still unread.
        // The device goes on sending meanwhile, as a device streaming audio does.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var sending = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await device.SendBinaryAsync(new byte[640]);
                await Task.Delay(10);
            }
        });

        var (status, _) = await device.WaitForCloseAsync(TimeSpan.FromSeconds(15), answer: false);
        await stop.CancelAsync();
        await Task.WhenAny(sending); // it ends with the connection, by the error its next send gets

        Assert.Equal(WebSocketCloseStatus.ProtocolError, status);
    }
}
