using System.Text.Json;
using System.Text.Json.Serialization;

namespace FriendLite.Edge.Transcription;

/// <summary>
/// One speech segment to transcribe: where its audio is (the conversation's WAV and sample
/// offsets), so the same request can live in memory or as a durable job.
/// </summary>
internal sealed record TranscriptionRequest(string ConversationId, string WavPath, long StartSample, long EndSample, string Speaker)
{
    /// <summary>Whose queue it waits in (fairness); not stored in jobs.</summary>
    [JsonIgnore]
    public string Session { get; init; } = "";

    /// <summary>Cancelled when the owning session gives up on it (it then becomes a job).</summary>
    [JsonIgnore]
    public CancellationToken SessionToken { get; init; }

    /// <summary>When it was handed in (Stopwatch timestamp), for the queue wait in the log.</summary>
    [JsonIgnore]
    public long Submitted { get; init; } = System.Diagnostics.Stopwatch.GetTimestamp();

    [JsonIgnore]
    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The job row that makes this segment durable while it waits in memory; null if the database refused it.</summary>
    [JsonIgnore]
    public long? JobId { get; set; }

    /// <summary>The speaker label of a device's segments.</summary>
    public static string SpeakerOf(string clientId) => $"speaker_{clientId}";

    /// <summary>The request as a job's payload (what <see cref="FromJobPayload"/> reads back).</summary>
    public string ToJobPayload() => JsonSerializer.Serialize(this, TranscriptionJsonContext.Default.TranscriptionRequest);

    /// <summary>A job's payload as a request; throws <see cref="JsonException"/> when it is not one.</summary>
    public static TranscriptionRequest? FromJobPayload(string payload) => JsonSerializer.Deserialize(payload, TranscriptionJsonContext.Default.TranscriptionRequest);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TranscriptionRequest))]
internal sealed partial class TranscriptionJsonContext : JsonSerializerContext;
