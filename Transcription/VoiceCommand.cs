using System.Diagnostics;

namespace FriendLite.Edge.Transcription;

/// <summary>
/// An interactive request: audio someone is waiting on (a Home Assistant voice command), held in
/// memory and never made durable. It goes before every device segment and every job
/// (<see cref="TranscriptionScheduler.TranscribeCommandAsync"/>). Its owner awaits
/// <see cref="Result"/>, which completes only once no worker is working on it any more: with the
/// transcript, with cancellation (the owner gave up: withdrawn from the lane, or its run cancelled
/// and joined), or with the engine's failure.
/// </summary>
internal sealed class VoiceCommand(ReadOnlyMemory<float> samples, TranscriptionHints hints, CancellationToken cancellationToken)
{
    public ReadOnlyMemory<float> Samples { get; } = samples;

    public TranscriptionHints Hints { get; } = hints;

    /// <summary>Cancelled when the owner gives up on it (its client left, the server stops).</summary>
    public CancellationToken Token { get; } = cancellationToken;

    /// <summary>When it was handed in (Stopwatch timestamp): its wait behind the running item is part of its latency.</summary>
    public long Submitted { get; } = Stopwatch.GetTimestamp();

    public TaskCompletionSource<IReadOnlyList<TranscriptSegment>> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
