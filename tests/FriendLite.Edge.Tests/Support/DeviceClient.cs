using System.Net;
using System.Net.WebSockets;
using System.Text;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Tests.Audio;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Tests.Support;

/// <summary>A device (or a misbehaving one) speaking to the server over a real ClientWebSocket.</summary>
internal sealed class DeviceClient : IAsyncDisposable
{
    private DeviceClient(ClientWebSocket socket)
    {
        Socket = socket;
    }

    public ClientWebSocket Socket { get; }

    public static async Task<DeviceClient> ConnectAsync(TestServer server, string path, string? token, string? deviceName = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        var query = new List<string>();
        if (token is not null)
        {
            query.Add($"token={Uri.EscapeDataString(token)}");
        }

        if (deviceName is not null)
        {
            query.Add($"device_name={Uri.EscapeDataString(deviceName)}");
        }

        var uri = new Uri($"ws://127.0.0.1:{server.Port}{path}{(query.Count > 0 ? "?" + string.Join('&', query) : "")}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await socket.ConnectAsync(uri, timeout.Token);
        }
        catch (WebSocketException ex)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            throw new UpgradeRefused(status, ex);
        }

        return new DeviceClient(socket);
    }

    public Task SendTextAsync(string text) =>
        Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    public Task SendBinaryAsync(byte[] bytes) =>
        Socket.SendAsync(bytes, WebSocketMessageType.Binary, true, CancellationToken.None);

    public async Task SendEventAsync(string type, AudioFormat? format = null, byte[]? payload = null)
    {
        await Socket.SendAsync(WyomingEvent.Serialize(type, format, timestamp: null, payload?.Length ?? 0), WebSocketMessageType.Text, true, CancellationToken.None);
        if (payload is { Length: > 0 })
        {
            await SendBinaryAsync(payload);
        }
    }

    public async Task SendOpusAsync(IEnumerable<byte[]> packets)
    {
        foreach (var packet in packets)
        {
            await SendEventAsync(WyomingEvent.AudioChunk, AudioFormat.Speech, packet);
        }
    }

    public async Task SendPcmAsync(short[] samples, AudioFormat format, int samplesPerChunk = 320)
    {
        foreach (var chunk in samples.Chunk(samplesPerChunk * format.Channels))
        {
            await SendEventAsync(WyomingEvent.AudioChunk, format, AudioTests.Bytes(chunk));
        }
    }

    /// <summary>
    /// Waits for the server's close frame and returns its status and reason; answers it unless
    /// <paramref name="answer"/> is false (a device busy sending would not).
    /// </summary>
    public async Task<(WebSocketCloseStatus? Status, string? Reason)> WaitForCloseAsync(TimeSpan? timeout = null, bool answer = true)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        var buffer = new byte[4096];
        while (true)
        {
            var result = await Socket.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                if (answer && Socket.State == WebSocketState.CloseReceived)
                {
                    await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                }

                return (result.CloseStatus, result.CloseStatusDescription);
            }
        }
    }

    /// <summary>A graceful close from the device's side.</summary>
    public async Task CloseAsync()
    {
        if (Socket.State == WebSocketState.Open)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
        }
    }

    public ValueTask DisposeAsync()
    {
        Socket.Dispose();
        return ValueTask.CompletedTask;
    }
}

internal sealed class UpgradeRefused(HttpStatusCode status, Exception inner) : Exception($"upgrade refused with {(int)status}", inner)
{
    public HttpStatusCode Status { get; } = status;
}
