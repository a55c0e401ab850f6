using System.Buffers;
using System.Net.WebSockets;

namespace FriendLite.Edge.Sessions;

/// <summary>Reassembling a device's WebSocket messages into the session's receive buffer.</summary>
internal sealed partial class ClientSession
{
    /// <summary>Reads one whole message (reassembling fragments) into the buffer, growing it up to <paramref name="limit"/>.</summary>
    private async Task<(WebSocketMessageType Type, int Length)> ReceiveMessageAsync(int limit)
    {
        var total = 0;
        while (true)
        {
            if (total == _buffer.Length)
            {
                if (total > limit)
                {
                    throw new ProtocolViolation(WebSocketCloseStatus.MessageTooBig, $"frame larger than {limit} bytes");
                }

                var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(_buffer.Length * 2, limit + 1));
                _buffer.AsSpan(0, total).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = bigger;
            }

            var result = await _socket.ReceiveAsync(_buffer.AsMemory(total), _abort.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (WebSocketMessageType.Close, 0);
            }

            total += result.Count;
            if (total > limit)
            {
                throw new ProtocolViolation(WebSocketCloseStatus.MessageTooBig, $"frame larger than {limit} bytes");
            }

            if (result.EndOfMessage)
            {
                return (result.MessageType, total);
            }
        }
    }
}
