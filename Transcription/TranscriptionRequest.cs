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
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TranscriptionRequest))]
internal sealed partial class TranscriptionJsonContext : JsonSerializerContext;
