using System.Text.Json.Serialization;

namespace FriendLite.Edge.Http;

/// <summary>A memory as a conversation lists it: <c>id</c> as a string, as the memories API gives it.</summary>
internal sealed record ConversationMemoryItem(string Id, string Memory, DateTimeOffset CreatedAt);

/// <summary>An action item as a conversation lists it; <c>due_date</c> is ISO 8601 with the offset it was said in, or null.</summary>
internal sealed record ConversationActionItem(string Id, string Description, DateTimeOffset? DueDate, string Status);

/// <summary>
/// One conversation in the flat list the web page pages through (<c>GET /api/conversations?flat=true</c>);
/// <c>preview</c> is its first words (about 140 characters, cut at a word with "…"), null without a transcript.
/// </summary>
internal sealed record FlatConversation(
    string ConversationId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EndedAt,
    string? Title,
    string? Summary,
    string ClientId,
    double DurationSeconds,
    string State,
    string AudioUrl,
    int TranscriptSegments,
    int MemoryCount,
    int ActionItemCount,
    string? Preview);

/// <summary><c>count</c> is this page's length, <c>total</c> every conversation visible to the caller.</summary>
internal sealed record FlatConversationsResponse(IReadOnlyList<FlatConversation> Conversations, int Count, int Total, int Limit, int Offset);

/// <summary>
/// What <c>DELETE /api/conversations/{id}</c> did. A conversation already gone (or never visible to
/// the caller) answers the same shape with <c>deleted</c> false and zero counts.
/// </summary>
internal sealed record DeleteConversationResponse(
    string Message, string ConversationId, bool Deleted, bool AudioDeleted, int TranscriptSegments, int Memories, int ActionItems, int Jobs);

/// <summary>What to do again; both when the body or query names neither.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ReprocessRequest(bool? Transcription, bool? Extraction);

/// <summary>The durable jobs <c>POST /api/conversations/{id}/reprocess</c> queued (they are in <c>GET /api/jobs</c>).</summary>
internal sealed record ReprocessResponse(
    string Message, string ConversationId, bool Transcription, bool Extraction, IReadOnlyList<long> TranscriptionJobs, int TranscriptSegmentsRemoved, bool ExtractionQueued);

/// <summary>One uploaded file in Friend-Lite's shape (<c>filename</c>, <c>status</c>: <c>processed</c> or <c>error</c>, <c>error</c>), plus its conversation.</summary>
internal sealed record UploadFileResponse(
    string Filename, string Status, string? Error, string? ConversationId, string? ClientId, int? SampleRate, int? Channels, double? DurationSeconds, long SizeBytes,
    int TranscriptionJobs);

/// <summary>A conversation an upload created; <c>status</c> is <c>queued</c>: its transcription and extraction run as jobs.</summary>
internal sealed record UploadConversationResponse(string ConversationId, string ClientId, string Filename, string Status, int TranscriptionJobs);

/// <summary>Friend-Lite's answer to <c>POST /api/process-audio-files</c>: <c>message</c>, <c>files</c>, <c>conversations</c>, <c>successful</c>, <c>failed</c>.</summary>
internal sealed record UploadResponse(string Message, IReadOnlyList<UploadFileResponse> Files, IReadOnlyList<UploadConversationResponse> Conversations, int Successful, int Failed);

/// <summary>Source-generated JSON for the conversation management and upload routes (AOT-safe).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(FlatConversationsResponse))]
[JsonSerializable(typeof(DeleteConversationResponse))]
[JsonSerializable(typeof(ReprocessRequest))]
[JsonSerializable(typeof(ReprocessResponse))]
[JsonSerializable(typeof(UploadResponse))]
internal sealed partial class ConversationJsonContext : JsonSerializerContext;
