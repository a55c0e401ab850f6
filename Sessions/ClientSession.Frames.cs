using System.Buffers;
using System.Net.WebSockets;

namespace FriendLite.Edge.Sessions;

/// <summary>Reassembling a device's WebSocket messages into the session's receive buffer; counting the audio accepted from them.</summary>
internal sealed partial class ClientSession
{
    private long _audioFrames;
    private long _audioBytes;
    private long _lastAudioTicks;

    /// <summary>Audio payloads accepted for the pipeline (what the server's <see cref="DeviceCounters"/> count, for this session).</summary>
    public long AudioFrames => Interlocked.Read(ref _audioFrames);

    /// <summary>The bytes of <see cref="AudioFrames"/>.</summary>
    public long AudioBytes => Interlocked.Read(ref _audioBytes);

    /// <summary>When the last audio payload was accepted; null before the first.</summary>
    public DateTimeOffset? LastAudioAt => Interlocked.Read(ref _lastAudioTicks) is > 0 and var ticks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <summary>When the current conversation started, or null between conversations.</summary>
    public DateTimeOffset? ConversationStartedAt => _recorder.CurrentConversationStartedAt;

    /// <summary>Counted on the audio path: Interlocked only, no lock, no allocation. Read by the session API.</summary>
    private void CountAudio(int bytes)
    {
        _settings.Counters.CountFrame(DeviceCounters.CodecOf(_protocol), bytes);
        Interlocked.Add(ref _audioBytes, bytes);
        Interlocked.Exchange(ref _lastAudioTicks, _settings.Time.GetUtcNow().UtcTicks);
        Interlocked.Increment(ref _audioFrames);
    }

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
