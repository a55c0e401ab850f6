using System.Buffers;
using System.Text.Json;
using FriendLite.Edge.Audio;

namespace FriendLite.Edge.Wyoming;

/// <summary>
/// Builds event headers into one reused buffer, so a client streaming for hours allocates nothing
/// per frame. One per client: the returned memory is valid until the next call.
/// </summary>
internal sealed class WyomingEventWriter : IDisposable
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Utf8JsonWriter _json;

    public WyomingEventWriter()
    {
        _json = new Utf8JsonWriter(_buffer);
    }

    public ReadOnlyMemory<byte> AudioStart() => Write(WyomingEvent.AudioStart, AudioFormat.Speech, null, 0);

    /// <summary>
    /// A chunk header. The timestamp is the Unix time in seconds when the chunk is sent, which for a
    /// live device is when it was recorded; PROTOCOL.md's example carries the same kind of value.
    /// </summary>
    public ReadOnlyMemory<byte> AudioChunk(int payloadLength, long timestamp) => Write(WyomingEvent.AudioChunk, AudioFormat.Speech, timestamp, payloadLength);

    public ReadOnlyMemory<byte> AudioStop(long timestamp) => Write(WyomingEvent.AudioStop, null, timestamp, 0);

    public void Dispose() => _json.Dispose();

    private ReadOnlyMemory<byte> Write(string type, AudioFormat? format, long? timestamp, int payloadLength)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        WyomingEvent.Write(_json, type, format, timestamp, payloadLength);
        return _buffer.WrittenMemory;
    }
}
