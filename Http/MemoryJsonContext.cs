using System.Text.Json;
using System.Text.Json.Serialization;

namespace FriendLite.Edge.Http;

/// <summary>
/// Where an item of <c>/api/memories</c> came from. Ids are strings, as Friend-Lite's clients treat
/// them; <c>source_id</c> repeats the conversation id under the name Friend-Lite's metadata used.
/// An action item in search results carries <see cref="ActionItemMetadata"/> instead (written
/// without a type marker: the <c>kind</c> field tells them apart).
/// </summary>
[JsonDerivedType(typeof(ActionItemMetadata))]
internal record MemoryMetadata(string Kind, string Source, string? ConversationId, string? SourceId, IReadOnlyList<long> Segments, DateTimeOffset? UpdatedAt);

/// <summary>An action item found by a memory search: its own id (for <c>/api/action-items/{id}</c>), status and due date.</summary>
internal sealed record ActionItemMetadata(
    string Source, string? ConversationId, IReadOnlyList<long> Segments, DateTimeOffset? UpdatedAt,
    string ActionItemId, string Status, bool Completed, DateTimeOffset? DueDate, string? Priority, string? Assignee, string? Context)
    : MemoryMetadata("action_item", Source, ConversationId, ConversationId, Segments, UpdatedAt);

/// <summary>A memory in Friend-Lite's shape (<c>id, memory, metadata, created_at, score</c>), plus its owner. <c>score</c> is null outside a search.</summary>
internal sealed record MemoryItem(string Id, string Memory, MemoryMetadata Metadata, DateTimeOffset CreatedAt, double? Score, string UserId)
{
    /// <summary>Only in the admin view, as Friend-Lite's had it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? OwnerEmail { get; init; }
}

internal sealed record MemoriesResponse(IReadOnlyList<MemoryItem> Memories, int Count, int TotalCount, string UserId)
{
    /// <summary>Only on <c>/api/memories/unfiltered</c>, as Friend-Lite's had it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? IncludesFallback { get; init; }
}

internal sealed record MemorySearchResponse(string Query, IReadOnlyList<MemoryItem> Results, int Count, string UserId);

/// <summary>The conversation a memory came from, as <c>/api/memories/with-transcripts</c> shows it.</summary>
internal sealed record MemoryConversation(string Id, string ClientId, string? Title, string? Summary, DateTimeOffset StartedAt, DateTimeOffset? EndedAt);

/// <summary>
/// A memory with its conversation's transcript: the usual fields, Friend-Lite's names for the same
/// (<c>memory_id, memory_text, source_id, transcript, client_id, user_email, compression_ratio,
/// transcript_length, memory_length</c>), and the conversation itself.
/// </summary>
internal sealed record MemoryWithTranscript(
    string Id, string Memory, MemoryMetadata Metadata, DateTimeOffset CreatedAt, double? Score, string UserId,
    string MemoryId, string MemoryText, string? SourceId, string? Transcript, string? ClientId, string? UserEmail,
    double CompressionRatio, int TranscriptLength, int MemoryLength, MemoryConversation? Conversation);

internal sealed record MemoriesWithTranscriptsResponse(IReadOnlyList<MemoryWithTranscript> Memories, int Count, int TotalCount, string UserId);

internal sealed record AdminMemoryStats(int TotalMemories, int TotalUsers, IReadOnlyList<string> UsersWithMemories);

/// <summary>Friend-Lite's <c>/api/memories/admin</c>: every user's memories, flat and grouped by user id.</summary>
internal sealed record AdminMemoriesResponse(
    IReadOnlyList<MemoryItem> Memories, IReadOnlyDictionary<string, List<MemoryItem>> UserMemories, AdminMemoryStats Stats, int TotalUsers, int TotalMemories, int Limit);

internal sealed record MessageResponse(string Message);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record CreateMemoryRequest(string? Content);

/// <summary>An action item as <c>/api/action-items</c> shows it; <c>completed</c> mirrors <c>status</c> for Omi-style clients.</summary>
internal sealed record ActionItemResponse(
    string Id, string UserId, string Description, string? Assignee, DateTimeOffset? DueDate, string? Priority, string? Context, string Status, bool Completed,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? CompletedAt, string? ConversationId, string Source, IReadOnlyList<long> Segments);

internal sealed record ActionItemsResponse(IReadOnlyList<ActionItemResponse> ActionItems, int Count, string UserId, string? StatusFilter);

/// <summary>Friend-Lite's answer to creating an action item.</summary>
internal sealed record ActionItemCreatedResponse(string Message, ActionItemResponse ActionItem);

/// <summary>Friend-Lite's answer to changing one (<c>action_item_id, new_status</c>), plus the item as it now is.</summary>
internal sealed record ActionItemUpdatedResponse(string Message, string ActionItemId, string NewStatus, ActionItemResponse ActionItem);

internal sealed record ActionItemDeletedResponse(string Message, string ActionItemId);

/// <summary>
/// The body of POST, PUT and PATCH <c>/api/action-items</c>. The fields that may be cleared are
/// <see cref="JsonElement"/>s, so a field left out (<c>Undefined</c>) differs from one sent as
/// <c>null</c> (clear it); their values are checked by <see cref="ActionItemInput"/>.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ActionItemRequest(
    JsonElement Description, JsonElement Assignee, JsonElement DueDate, JsonElement Priority, JsonElement Context, JsonElement Status, bool? Completed);

/// <summary>Source-generated JSON for memories and action items (same conventions as <see cref="HttpJsonContext"/>).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    Converters = [typeof(LenientBooleanConverter)])]
[JsonSerializable(typeof(MemoryItem))]
[JsonSerializable(typeof(MemoriesResponse))]
[JsonSerializable(typeof(MemorySearchResponse))]
[JsonSerializable(typeof(MemoriesWithTranscriptsResponse))]
[JsonSerializable(typeof(AdminMemoriesResponse))]
[JsonSerializable(typeof(MessageResponse))]
[JsonSerializable(typeof(CreateMemoryRequest))]
[JsonSerializable(typeof(ActionItemResponse))]
[JsonSerializable(typeof(ActionItemsResponse))]
[JsonSerializable(typeof(ActionItemCreatedResponse))]
[JsonSerializable(typeof(ActionItemUpdatedResponse))]
[JsonSerializable(typeof(ActionItemDeletedResponse))]
[JsonSerializable(typeof(ActionItemRequest))]
internal sealed partial class MemoryJsonContext : JsonSerializerContext;
