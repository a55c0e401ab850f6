using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FriendLite.Edge.Memory;

/// <summary>An OpenAI-compatible chat-completions request: JSON mode, a low temperature, no streaming.</summary>
internal sealed record ChatRequest(string Model, IReadOnlyList<ChatMessage> Messages, double Temperature, ChatResponseFormat ResponseFormat, bool Stream);

internal sealed record ChatMessage(string Role, string Content);

internal sealed record ChatResponseFormat(string Type);

/// <summary>The part of a chat-completions answer we read: <c>choices[0].message.content</c>, a string that holds the model's JSON.</summary>
internal sealed class ChatResponse
{
    public List<ChatChoice>? Choices { get; set; }
}

internal sealed class ChatChoice
{
    public ChatAnswer? Message { get; set; }
}

internal sealed class ChatAnswer
{
    public string? Content { get; set; }
}

/// <summary>An existing memory as consolidation shows it to the model: a temporary id, never the real one.</summary>
internal sealed record ConsolidationMemory(string Id, string Text);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ChatRequest))]
[JsonSerializable(typeof(ChatResponse))]
[JsonSerializable(typeof(List<ConsolidationMemory>))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class LlmJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context the client writes with: text the model reads (a German "ü", a quote) stays as it
    /// is instead of <c>\u00FC</c>; JSON's own escaping (quotes, control characters) still applies.
    /// </summary>
    public static LlmJsonContext Readable { get; } = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    });
}
