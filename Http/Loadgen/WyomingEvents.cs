using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FriendLite.Edge.Http.Loadgen;

/// <summary>One Wyoming event header, as a text frame: <c>{"type":...,"data":{...},"payload_length":N}</c>.</summary>
internal sealed record WyomingEvent(string Type, WyomingAudioData Data, int? PayloadLength);

/// <summary>The <c>data</c> of the audio events; absent fields are left out, as Wyoming's own writer does.</summary>
internal sealed record WyomingAudioData(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Rate,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Width,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Channels,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Timestamp);

/// <summary>
/// Builds event headers into one reused buffer, so a client streaming for hours allocates nothing
/// per frame. One per client: the returned memory is valid until the next call.
/// </summary>
internal sealed class WyomingEventWriter : IDisposable
{
    private const int Width = 2;
    private const int Channels = 1;

    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Utf8JsonWriter _json;

    public WyomingEventWriter()
    {
        _json = new Utf8JsonWriter(_buffer);
    }

    public ReadOnlyMemory<byte> AudioStart() =>
        Write(new WyomingEvent("audio-start", new WyomingAudioData(LoadgenOptions.SampleRate, Width, Channels, null), null));

    /// <summary>
    /// A chunk header. The timestamp is the Unix time in seconds when the chunk is sent, which for a
    /// live device is when it was recorded; PROTOCOL.md's example carries the same kind of value.
    /// </summary>
    public ReadOnlyMemory<byte> AudioChunk(int payloadLength, long timestamp) =>
        Write(new WyomingEvent("audio-chunk", new WyomingAudioData(LoadgenOptions.SampleRate, Width, Channels, timestamp), payloadLength));

    public ReadOnlyMemory<byte> AudioStop(long timestamp) =>
        Write(new WyomingEvent("audio-stop", new WyomingAudioData(null, null, null, timestamp), null));

    public void Dispose() => _json.Dispose();

    private ReadOnlyMemory<byte> Write(WyomingEvent wyomingEvent)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        JsonSerializer.Serialize(_json, wyomingEvent, LoadgenJsonContext.Default.WyomingEvent);
        _json.Flush();
        return _buffer.WrittenMemory;
    }
}
