using System.Net.WebSockets;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Sessions;

/// <summary>
/// Turns a device's WebSocket frames into session messages, enforcing the framing: a text frame
/// holds an event header; a header's <c>data_length</c> bytes of extra JSON come in the next frame,
/// then its <c>payload_length</c> bytes in the next binary frame. On <c>/ws</c> every binary frame is
/// a bare Opus packet. Violations throw <see cref="ProtocolViolation"/> with the close status to send.
/// </summary>
internal sealed class DeviceFrameReader(DeviceProtocol protocol, SessionSettings settings)
{
    private WyomingEvent? _pending;
    private bool _awaitingData;
    private AudioFormat? _format;
    private bool _started;

    /// <summary>The largest frame acceptable next.</summary>
    public int Limit => protocol == DeviceProtocol.Legacy
        ? settings.MaxOpusPacketBytes
        : _pending is null ? settings.MaxHeaderBytes
        : _awaitingData ? _pending.DataLength
        : _pending.PayloadLength;

    /// <summary>Accepts one frame: the message it completes (or null), and whether it was a chunk dropped on purpose.</summary>
    public (SessionMessage? Message, bool Dropped) Accept(WebSocketMessageType type, ReadOnlySpan<byte> frame)
    {
        if (protocol == DeviceProtocol.Legacy)
        {
            return type == WebSocketMessageType.Binary
                ? (new AudioPacketMessage(frame.ToArray(), null), false)
                : throw new ProtocolViolation(WebSocketCloseStatus.InvalidMessageType, "/ws takes binary Opus frames only");
        }

        if (_pending is null)
        {
            if (type != WebSocketMessageType.Text)
            {
                throw new ProtocolViolation(WebSocketCloseStatus.ProtocolError, "binary frame without an event header");
            }

            WyomingEvent header;
            try
            {
                header = WyomingEvent.Parse(frame);
            }
            catch (FormatException ex)
            {
                throw new ProtocolViolation(WebSocketCloseStatus.InvalidPayloadData, $"bad event header: {ex.Message}");
            }

            if (header.PayloadLength > settings.MaxPayloadBytes)
            {
                throw new ProtocolViolation(WebSocketCloseStatus.MessageTooBig, $"payload_length {header.PayloadLength} is over the {settings.MaxPayloadBytes}-byte limit");
            }

            if (header.DataLength > settings.MaxHeaderBytes)
            {
                throw new ProtocolViolation(WebSocketCloseStatus.MessageTooBig, $"data_length {header.DataLength} is over the {settings.MaxHeaderBytes}-byte limit");
            }

            _pending = header;
            _awaitingData = header.DataLength > 0;
            return _awaitingData || header.PayloadLength > 0 ? (null, false) : Complete([]);
        }

        if (_awaitingData)
        {
            if (frame.Length != _pending.DataLength)
            {
                throw new ProtocolViolation(WebSocketCloseStatus.ProtocolError, $"data_length said {_pending.DataLength} bytes but the next frame had {frame.Length}");
            }

            try
            {
                _pending = _pending with { Data = _pending.Data.MergedWith(WyomingEvent.ParseData(frame)) };
            }
            catch (FormatException ex)
            {
                throw new ProtocolViolation(WebSocketCloseStatus.InvalidPayloadData, ex.Message);
            }

            _awaitingData = false;
            return _pending.PayloadLength > 0 ? (null, false) : Complete([]);
        }

        if (type != WebSocketMessageType.Binary)
        {
            throw new ProtocolViolation(WebSocketCloseStatus.ProtocolError, $"expected a binary payload of {_pending.PayloadLength} bytes, got a text frame");
        }

        if (frame.Length != _pending.PayloadLength)
        {
            throw new ProtocolViolation(WebSocketCloseStatus.ProtocolError, $"payload_length said {_pending.PayloadLength} bytes but the payload had {frame.Length}");
        }

        return Complete(frame);
    }

    private (SessionMessage? Message, bool Dropped) Complete(ReadOnlySpan<byte> payload)
    {
        var header = _pending!;
        _pending = null;
        switch (header.Type)
        {
            case WyomingEvent.AudioStart:
                _started = true;
                if (protocol == DeviceProtocol.Pcm)
                {
                    _format = RequireFormat(header.Data.Format ?? _format, "audio-start");
                }

                return (new AudioStartMessage(protocol == DeviceProtocol.Pcm ? _format : null), false);

            case WyomingEvent.AudioChunk when payload.IsEmpty:
                return (null, true);

            case WyomingEvent.AudioChunk when protocol == DeviceProtocol.Pcm:
                if (!_started)
                {
                    return (null, true); // as Friend-Lite: PCM before audio-start has no known format
                }

                _format = RequireFormat(header.Data.Format ?? _format, "audio-chunk");
                if (payload.Length % _format.BytesPerFrame != 0)
                {
                    throw new ProtocolViolation(WebSocketCloseStatus.InvalidPayloadData, $"a {payload.Length}-byte chunk is not whole {_format.BytesPerFrame}-byte sample frames");
                }

                return (new AudioPacketMessage(payload.ToArray(), _format), false);

            case WyomingEvent.AudioChunk:
                return (new AudioPacketMessage(payload.ToArray(), null), false);

            case WyomingEvent.AudioStop:
                _started = false;
                return (AudioStopMessage.Instance, false);

            default:
                return (null, false); // unknown events are ignored, payload and all
        }
    }

    private static AudioFormat RequireFormat(AudioFormat? format, string where)
    {
        if (format is null)
        {
            throw new ProtocolViolation(WebSocketCloseStatus.InvalidPayloadData, $"{where} needs rate, width and channels");
        }

        return format.Problem() is { } problem ? throw new ProtocolViolation(WebSocketCloseStatus.InvalidMessageType, problem) : format;
    }
}
