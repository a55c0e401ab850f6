using System.Text.Json;
using System.Text.Json.Serialization;

namespace FriendLite.Edge.Http;

/// <summary>
/// Reads a boolean in a request body as leniently as Friend-Lite's pydantic server does, because
/// its clients and scripts send what that server took: <c>true</c>/<c>false</c>, the numbers
/// <c>0</c>/<c>1</c>, and the strings <c>true false t f yes no y n on off 1 0</c> in any case
/// (<c>"False"</c> from a Python <c>str(False)</c>). Anything else is refused as a wrong type.
/// </summary>
internal sealed class LenientBooleanConverter : JsonConverter<bool?>
{
    public override bool? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            JsonTokenType.Null => null,
            JsonTokenType.Number when reader.TryGetDecimal(out var number) && number is 0 or 1 => number == 1,
            JsonTokenType.String => Parse(reader.GetString()!) ?? throw new JsonException(),
            _ => throw new JsonException(),
        };

    public override void Write(Utf8JsonWriter writer, bool? value, JsonSerializerOptions options)
    {
        if (value is { } flag)
        {
            writer.WriteBooleanValue(flag);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    /// <summary>The strings pydantic reads as a boolean, or null for any other.</summary>
    public static bool? Parse(string text) =>
        text.Trim().ToLowerInvariant() switch
        {
            "true" or "t" or "yes" or "y" or "on" or "1" => true,
            "false" or "f" or "no" or "n" or "off" or "0" => false,
            _ => null,
        };
}
