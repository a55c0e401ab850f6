using System.Buffers;
using System.Text.Json;

namespace FriendLite.Edge.Wyoming;

/// <summary>
/// Wyoming's TCP framing, write side, as the protocol's own library writes it: a header line with
/// <c>type</c>, <c>version</c>, <c>data_length</c> and <c>payload_length</c>, then the data as JSON,
/// then the payload. Clients of every protocol version read this form (an inline <c>data</c> object
/// is newer). One event is built into one array, so it is written in one call.
/// </summary>
internal static class WyomingFrame
{
    /// <summary>The protocol version written into every header.</summary>
    public const string Version = "1.7.0";

    /// <summary>An event whose data <paramref name="writeData"/> writes (an object's members; null for none).</summary>
    public static byte[] Build(string type, Action<Utf8JsonWriter>? writeData, ReadOnlySpan<byte> payload = default)
    {
        var data = new ArrayBufferWriter<byte>(256);
        if (writeData is not null)
        {
            using var json = new Utf8JsonWriter(data);
            json.WriteStartObject();
            writeData(json);
            json.WriteEndObject();
        }

        return Build(type, data.WrittenSpan, payload);
    }

    /// <summary>An event whose data is <paramref name="data"/>, a JSON object already written (empty for none).</summary>
    public static byte[] Build(string type, ReadOnlySpan<byte> data, ReadOnlySpan<byte> payload = default)
    {
        var header = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            json.WriteString("type"u8, type);
            json.WriteString("version"u8, Version);
            if (!data.IsEmpty)
            {
                json.WriteNumber("data_length"u8, data.Length);
            }

            if (!payload.IsEmpty)
            {
                json.WriteNumber("payload_length"u8, payload.Length);
            }

            json.WriteEndObject();
        }

        var frame = new byte[header.WrittenCount + 1 + data.Length + payload.Length];
        header.WrittenSpan.CopyTo(frame);
        frame[header.WrittenCount] = (byte)'\n';
        data.CopyTo(frame.AsSpan(header.WrittenCount + 1));
        payload.CopyTo(frame.AsSpan(header.WrittenCount + 1 + data.Length));
        return frame;
    }
}
