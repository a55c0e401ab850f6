using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FriendLite.Edge.Audio;

namespace FriendLite.Edge.Wyoming;

/// <summary>The fields of a Wyoming event's <c>data</c> that the server uses.</summary>
internal readonly record struct WyomingData(int? Rate, int? Width, int? Channels, long? Timestamp, string? Language = null)
{
    public AudioFormat? Format => Rate is { } r && Width is { } w && Channels is { } c ? new AudioFormat(r, w, c) : null;

    /// <summary>Values present in <paramref name="extra"/> override these (Wyoming's <c>data_length</c> merge).</summary>
    public WyomingData MergedWith(WyomingData extra) =>
        new(extra.Rate ?? Rate, extra.Width ?? Width, extra.Channels ?? Channels, extra.Timestamp ?? Timestamp, extra.Language ?? Language);
}

/// <summary>
/// A Wyoming event header: <c>{"type": ..., "data": {...}, "data_length": n, "payload_length": n}</c>.
/// Parsed with a forward-only reader (no allocation beyond the type string), because every audio
/// chunk of every device passes through here.
/// </summary>
internal sealed record WyomingEvent(string Type, WyomingData Data, int DataLength, int PayloadLength)
{
    public const string AudioStart = "audio-start";
    public const string AudioChunk = "audio-chunk";
    public const string AudioStop = "audio-stop";

    /// <summary>Parses a header, or throws <see cref="FormatException"/> with a short reason.</summary>
    public static WyomingEvent Parse(ReadOnlySpan<byte> json)
    {
        // An optional trailing newline, as the TCP framing has.
        while (json.Length > 0 && json[^1] is (byte)'\n' or (byte)'\r')
        {
            json = json[..^1];
        }

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
        string? type = null;
        var data = default(WyomingData);
        int dataLength = 0, payloadLength = 0;
        try
        {
            Expect(ref reader, JsonTokenType.StartObject);
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    Next(ref reader);
                    type = reader.TokenType != JsonTokenType.String ? throw new FormatException("'type' must be a string")
                        : reader.ValueTextEquals("audio-chunk"u8) ? AudioChunk // the hot path: no string allocated per chunk
                        : reader.ValueTextEquals("audio-start"u8) ? AudioStart
                        : reader.ValueTextEquals("audio-stop"u8) ? AudioStop
                        : ReadText(ref reader, "type");
                }
                else if (reader.ValueTextEquals("data"u8))
                {
                    Next(ref reader);
                    data = reader.TokenType == JsonTokenType.Null ? default : ReadData(ref reader);
                }
                else if (reader.ValueTextEquals("payload_length"u8))
                {
                    payloadLength = ReadLength(ref reader, "payload_length");
                }
                else if (reader.ValueTextEquals("data_length"u8))
                {
                    dataLength = ReadLength(ref reader, "data_length");
                }
                else
                {
                    Next(ref reader);
                    reader.Skip();
                }
            }

            if (reader.Read())
            {
                throw new FormatException("text after the JSON object");
            }
        }
        catch (JsonException ex)
        {
            throw new FormatException(InvalidJson.Describe(ex, json), ex);
        }

        return string.IsNullOrEmpty(type) ? throw new FormatException("the event has no 'type'") : new WyomingEvent(type, data, dataLength, payloadLength);
    }

    /// <summary>Parses the extra data object that follows a header with <c>data_length</c>.</summary>
    public static WyomingData ParseData(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            Expect(ref reader, JsonTokenType.StartObject);
            return ReadData(ref reader);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"the extra data: {InvalidJson.Describe(ex, json)}", ex);
        }
    }

    /// <summary>Serializes an event header (for clients such as loadgen, and the Wyoming TCP engine).</summary>
    public static byte[] Serialize(string type, AudioFormat? format, long? timestamp, int payloadLength)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, type, format, timestamp, payloadLength);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes an event header; fields that are null are left out of <c>data</c>, as Wyoming's own writer does.</summary>
    public static void Write(Utf8JsonWriter writer, string type, AudioFormat? format, long? timestamp, int payloadLength)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, type);
        writer.WriteStartObject("data"u8);
        if (format is not null)
        {
            writer.WriteNumber("rate"u8, format.Rate);
            writer.WriteNumber("width"u8, format.Width);
            writer.WriteNumber("channels"u8, format.Channels);
        }

        if (timestamp is { } t)
        {
            writer.WriteNumber("timestamp"u8, t);
        }

        writer.WriteEndObject();
        if (payloadLength > 0)
        {
            writer.WriteNumber("payload_length"u8, payloadLength);
        }
        else
        {
            writer.WriteNull("payload_length"u8);
        }

        writer.WriteEndObject();
        writer.Flush();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Type} (payload {PayloadLength} bytes)");

    private static WyomingData ReadData(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new FormatException("'data' must be an object");
        }

        int? rate = null, width = null, channels = null;
        long? timestamp = null;
        string? language = null;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("rate"u8))
            {
                rate = ReadInt(ref reader, "rate");
            }
            else if (reader.ValueTextEquals("width"u8))
            {
                width = ReadInt(ref reader, "width");
            }
            else if (reader.ValueTextEquals("channels"u8))
            {
                channels = ReadInt(ref reader, "channels");
            }
            else if (reader.ValueTextEquals("timestamp"u8))
            {
                Next(ref reader);
                timestamp = reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var t) && double.IsFinite(t) ? (long)t : null;
            }
            else if (reader.ValueTextEquals("language"u8))
            {
                // transcribe's: the language of the audio to follow
                language = Next(ref reader) switch
                {
                    JsonTokenType.Null => null,
                    JsonTokenType.String => ReadText(ref reader, "language"),
                    _ => throw new FormatException("'language' must be a string"),
                };
            }
            else
            {
                Next(ref reader);
                reader.Skip();
            }
        }

        return new WyomingData(rate, width, channels, timestamp, language);
    }

    private static int? ReadInt(ref Utf8JsonReader reader, string name)
    {
        Next(ref reader);
        return reader.TokenType switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.Number when reader.TryGetInt32(out var value) => value,
            JsonTokenType.Number when reader.TryGetDecimal(out var large) && decimal.Truncate(large) == large
                => throw new FormatException(large > 0 && name.EndsWith("_length", StringComparison.Ordinal)
                    ? $"'{name}' {large:0} is larger than any event may carry"
                    : $"'{name}' {large:0} is out of range"),
            _ => throw new FormatException($"'{name}' must be a whole number"),
        };
    }

    private static string? ReadText(ref Utf8JsonReader reader, string name)
    {
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            throw new FormatException($"'{name}' is not valid UTF-8"); // the reader checks structure, not the bytes inside strings
        }
    }

    private static int ReadLength(ref Utf8JsonReader reader, string name)
    {
        var value = ReadInt(ref reader, name) ?? 0;
        return value >= 0 ? value : throw new FormatException($"'{name}' must not be negative");
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new FormatException("the JSON object is incomplete");

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (Next(ref reader) != type)
        {
            throw new FormatException("the event must be a JSON object");
        }
    }

    /// <summary>For logs: a header's first bytes as text.</summary>
    public static string Preview(ReadOnlySpan<byte> json) => Encoding.UTF8.GetString(json[..Math.Min(json.Length, 80)]);
}
