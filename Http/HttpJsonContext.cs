using System.Text.Json.Serialization;
using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Sessions;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Http;

internal sealed record ErrorResponse(string Detail);

internal sealed record ComponentHealth(string Status, string? Detail);

internal sealed record HealthResponse(
    string Status,
    string Version,
    double UptimeSeconds,
    IReadOnlyDictionary<string, ComponentHealth> Components,
    LimitsHealth Limits,
    ActivityHealth Activity)
{
    /// <summary>Friend-Lite's: unix seconds when this answer was made.</summary>
    public long Timestamp { get; init; }

    /// <summary>Friend-Lite's view of the components: one entry each, healthy or not, the database critical.</summary>
    public IReadOnlyDictionary<string, ServiceHealth> Services { get; init; } = new Dictionary<string, ServiceHealth>();

    public bool OverallHealthy { get; init; }

    public bool CriticalServicesHealthy { get; init; }
}

/// <summary>A component as Friend-Lite's <c>/health</c> lists it under <c>services</c>.</summary>
internal sealed record ServiceHealth(string Status, bool Healthy, bool Critical);

/// <summary><c>GET /api/auth/health</c>: Friend-Lite's pre-flight check, which its app calls before signing in.</summary>
internal sealed record AuthHealthResponse(string Status, string Database, string MemoryService, long Timestamp);

/// <summary>What the server is doing now: devices connected, transcription segments waiting in memory and running, durable jobs waiting.</summary>
internal sealed record ActivityHealth(int Devices, int TranscriptionQueued, int TranscriptionRunning, int JobsPending)
{
    /// <summary>Closed conversations waiting for extraction (memories, action items, a title), usually until their transcription is done.</summary>
    public int ExtractionsPending { get; init; }
}

/// <summary>The space limits and what they refused since start (<c>--max-realtime-factor</c>, 0 is no limit; <c>--min-free-disk</c>).</summary>
internal sealed record LimitsHealth(double MaxRealtimeFactor, double RealtimeBurstSeconds, long SessionsOverRealtime)
{
    /// <summary>True while free space is below <c>--min-free-disk</c>: devices are refused with 507 and open sessions end.</summary>
    public bool RecordingPaused { get; init; }

    /// <summary>Free bytes in the data directory's file system at the last check (null before a first reading).</summary>
    public long? DiskFreeBytes { get; init; }

    public long MinFreeDiskBytes { get; init; }

    public long SessionsRefusedLowDisk { get; init; }

    public long SessionsClosedLowDisk { get; init; }
}

internal sealed record ReadinessResponse(string Status, string? Detail)
{
    /// <summary>Friend-Lite's: unix seconds when this answer was made.</summary>
    public long Timestamp { get; init; }
}

internal sealed record TokenResponse(string AccessToken, string TokenType);

/// <summary>A user as fastapi-users (Friend-Lite's auth library) shows one, plus <c>is_admin</c> and <c>display_name</c>.</summary>
internal sealed record UserResponse(
    string Id,
    string Email,
    string? DisplayName,
    bool IsActive,
    bool IsSuperuser,
    bool IsAdmin,
    bool IsVerified,
    DateTimeOffset CreatedAt)
{
    public static UserResponse From(User user) =>
        new(user.Id, user.Email, user.DisplayName, user.IsActive, user.IsAdmin, user.IsAdmin, IsVerified: true, user.CreatedAt);
}

internal sealed record ActiveClient(string ClientId, string UserId, string? DeviceName, string Endpoint, DateTimeOffset ConnectedAt, string? CurrentConversation)
{
    /// <summary>
    /// Live devices as <c>GET /api/clients/active</c> and <c>/api/debug/sessions</c> show them, with the
    /// transcription still waiting for each one's conversation read in one query for all of them.
    /// </summary>
    public static async Task<List<ActiveClient>> ListAsync(IReadOnlyList<SessionEntry> entries, JobStore jobs, CancellationToken cancellationToken)
    {
        var conversationIds = entries.Select(s => s.Session?.CurrentConversationId).OfType<string>().ToList();
        var pending = await jobs.CountTranscriptionsWaitingAsync(conversationIds, cancellationToken);
        return [.. entries.Select(s => Of(s, pending))];
    }

    /// <summary>One live device: what it has sent, its conversation, that conversation's transcription still waiting, and its session's task tree.</summary>
    private static ActiveClient Of(SessionEntry entry, IReadOnlyDictionary<string, int> pending)
    {
        var session = entry.Session;
        var conversation = session?.CurrentConversationId;
        return new(entry.ClientId, entry.UserId, entry.DeviceName, entry.Protocol, entry.ConnectedAt, conversation)
        {
            Frames = session?.AudioFrames ?? 0,
            Bytes = session?.AudioBytes ?? 0,
            LastAudioAt = session?.LastAudioAt,
            ConversationStartedAt = conversation is null ? null : session?.ConversationStartedAt,
            TranscriptionPending = conversation is null ? 0 : pending.GetValueOrDefault(conversation),
            Tasks = entry.Group?.Snapshot(),
        };
    }

    /// <summary>Audio payloads accepted from the device in this session, and their bytes.</summary>
    public long Frames { get; init; }

    public long Bytes { get; init; }

    /// <summary>When the last audio payload was accepted; null before any.</summary>
    public DateTimeOffset? LastAudioAt { get; init; }

    /// <summary>When its current conversation started; null between conversations.</summary>
    public DateTimeOffset? ConversationStartedAt { get; init; }

    /// <summary>Durable transcribe jobs pending or running for its current conversation (0 without one).</summary>
    public int TranscriptionPending { get; init; }

    /// <summary>The session's task group (<c>session {client_id}</c>) as <c>/api/debug/sessions</c>' <c>tree</c> shows groups; null until it exists.</summary>
    public TaskGroupSnapshot? Tasks { get; init; }
}

internal sealed record ActiveClientsResponse(IReadOnlyList<ActiveClient> Clients, int ActiveClientsCount);

internal sealed record CloseConversationResponse(string Message, string ClientId, bool Closed, string? ConversationId);

/// <summary><c>rss_bytes</c>: the process's resident memory (its uptime is <c>/health</c>'s <c>uptime_seconds</c>).</summary>
internal sealed record ProcessCountsResponse(int OpenFds, int Threads, int LiveSessions, int LiveGroups, long ManagedHeapBytes, long TaskFailures, long RssBytes);

/// <summary>Segments waiting in memory, being transcribed, done since start, and waiting as durable jobs.</summary>
internal sealed record TranscriptionCountsResponse(string Engine, int Queued, int Running, long Completed, long JobsPending);

/// <summary>The connection gate's counts: open now, accepted since start, and each way a connection was refused or ended.</summary>
internal sealed record ConnectionCountsResponse(int Open, long Accepted, IReadOnlyDictionary<string, long> Ended);

internal sealed record DebugSessionsResponse(TaskGroupSnapshot Tree, ProcessCountsResponse Counts, IReadOnlyList<ActiveClient> Sessions, TranscriptionCountsResponse Transcription,
    ConnectionCountsResponse Connections);

internal sealed record TranscriptItem(string? Speaker, string Text, double Start, double End);

/// <summary>A conversation in Friend-Lite's shape (<c>audio_uuid</c>, <c>audio_path</c>, <c>timestamp</c>, <c>transcript</c>, <c>memories</c>, <c>has_memory</c>), plus what it did not have.</summary>
internal sealed record ConversationResponse(
    string AudioUuid,
    string AudioPath,
    long Timestamp,
    IReadOnlyList<TranscriptItem> Transcript,
    IReadOnlyList<string> Memories,
    bool HasMemory,
    string ClientId,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    double DurationSeconds,
    string State)
{
    /// <summary>Set by extraction: at most six words; null until the conversation is extracted.</summary>
    public string? Title { get; init; }

    public string? Summary { get; init; }

    /// <summary>The audio's path with a signed <c>?link=</c> (12 h, this path only) a player can fetch without headers; null without audio.</summary>
    public string? AudioLink { get; init; }

    /// <summary>The conversation's memories and action items, in <c>GET /api/conversations/{id}</c> only.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ConversationMemoryItem>? MemoryItems { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ConversationActionItem>? ActionItems { get; init; }
}

internal sealed record ConversationsResponse(IReadOnlyDictionary<string, List<ConversationResponse>> Conversations);

/// <summary>A durable job as <c>GET /api/jobs</c> shows it.</summary>
internal sealed record JobResponse(
    long Id, string Kind, string State, int Attempts, int MaxAttempts, string? LastError, string? ConversationId,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset NextRunAt)
{
    public static JobResponse From(JobInfo job) =>
        new(job.Id, job.Kind, job.State, job.Attempts, job.MaxAttempts, job.LastError, job.ConversationId, job.CreatedAt, job.UpdatedAt, job.NextRunAt);
}

internal sealed record JobsResponse(IReadOnlyList<JobResponse> Jobs);

/// <summary>fastapi-users' create body. <c>is_verified</c> is accepted and has no effect: every account here is verified.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record CreateUserRequest(string? Email, string? Password, string? DisplayName, bool? IsAdmin, bool? IsSuperuser, bool? IsActive, bool? IsVerified);

/// <summary>fastapi-users' PATCH body (and Friend-Lite's PUT): only the fields sent are changed.</summary>
internal sealed record UpdateUserRequest(string? Password, string? DisplayName, bool? IsActive, bool? IsAdmin, bool? IsSuperuser)
{
    public string? Email { get; init; }
}

/// <summary>Friend-Lite's answer to creating (201) or updating (PUT) a user.</summary>
internal sealed record UserChangedResponse(string Message, string UserId, string UserEmail);

/// <summary>Friend-Lite's answer to deleting a user: what went with it.</summary>
internal sealed record UserDeletedResponse(string Message, DeletedData DeletedData);

internal sealed record DeletedData(bool UserDeleted, bool DataDeleted, int AudioFilesRemoved);

/// <summary>Source-generated JSON for every HTTP payload (no reflection, AOT-safe).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    Converters = [typeof(LenientBooleanConverter)])]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(AuthHealthResponse))]
[JsonSerializable(typeof(UserChangedResponse))]
[JsonSerializable(typeof(UserDeletedResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(ReadinessResponse))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(UserResponse))]
[JsonSerializable(typeof(IReadOnlyList<UserResponse>))]
[JsonSerializable(typeof(CreateUserRequest))]
[JsonSerializable(typeof(UpdateUserRequest))]
[JsonSerializable(typeof(ActiveClientsResponse))]
[JsonSerializable(typeof(CloseConversationResponse))]
[JsonSerializable(typeof(DebugSessionsResponse))]
[JsonSerializable(typeof(ConversationResponse))]
[JsonSerializable(typeof(ConversationsResponse))]
[JsonSerializable(typeof(JobResponse))]
[JsonSerializable(typeof(JobsResponse))]
internal sealed partial class HttpJsonContext : JsonSerializerContext;
