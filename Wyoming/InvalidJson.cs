using System.Text.Json;

namespace FriendLite.Edge.Wyoming;

/// <summary>
/// Where an event's JSON went wrong, in our words. The reader's own message is the framework's text,
/// which the AOT build strips to a resource key (<c>ExpectedStartOfPropertyNotFound, n LineNumber: 0</c>);
/// its position is a property and stays. Lines and bytes count from 1, as an editor shows them.
/// </summary>
internal static class InvalidJson
{
    public static string Describe(JsonException exception, ReadOnlySpan<byte> json)
    {
        if (EndsEarly(json))
        {
            return $"invalid JSON: it ends after {json.Length} bytes, before the event is complete";
        }

        if (exception.LineNumber is not { } line || exception.BytePositionInLine is not { } position)
        {
            return "invalid JSON";
        }

        var offset = LineStart(json, line) + position;
        var where = $"line {line + 1}, byte {position + 1}";
        return offset < json.Length && json[(int)offset] is > 0x20 and < 0x7F and var found
            ? $"invalid JSON at {where} ('{(char)found}')"
            : $"invalid JSON at {where}";
    }

    /// <summary>True when the text is a valid beginning of JSON that stops inside an object or array (a cut-off header).</summary>
    private static bool EndsEarly(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, isFinalBlock: false, state: default);
        try
        {
            while (reader.Read())
            {
            }

            return reader.CurrentDepth > 0 || reader.TokenType == JsonTokenType.PropertyName;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static long LineStart(ReadOnlySpan<byte> json, long line)
    {
        var start = 0;
        for (var i = 0L; i < line; i++)
        {
            var next = json[start..].IndexOf((byte)'\n');
            if (next < 0)
            {
                return json.Length;
            }

            start += next + 1;
        }

        return start;
    }
}
