namespace FriendLite.Edge.Transcription;

/// <summary>A piece of transcript, times in seconds from the start of the audio given.</summary>
internal sealed record TranscriptSegment(double Start, double End, string Text);

/// <summary>
/// Turns 16 kHz mono audio into text. One instance serves one request at a time; cancellation
/// returns only once the engine has really stopped working on the request.
/// </summary>
internal interface ITranscriber : IAsyncDisposable
{
    string Engine { get; }

    string Model { get; }

    Task<IReadOnlyList<TranscriptSegment>> TranscribeAsync(ReadOnlyMemory<float> samples, CancellationToken cancellationToken);

    /// <summary>
    /// As <see cref="TranscribeAsync(ReadOnlyMemory{float}, CancellationToken)"/>, telling
    /// <paramref name="progress"/> the percentage done whenever the engine reports it (Whisper does,
    /// per 30 s window; an engine that does not report never calls it).
    /// </summary>
    Task<IReadOnlyList<TranscriptSegment>> TranscribeAsync(ReadOnlyMemory<float> samples, Action<int>? progress, CancellationToken cancellationToken) =>
        TranscribeAsync(samples, cancellationToken);
}

/// <summary>
/// A transcription engine the server or a command owns: it hands out workers (one request at a
/// time each) and is disposed only after every worker it made has been disposed.
/// </summary>
internal interface ITranscriptionEngine : IAsyncDisposable
{
    /// <summary>How many workers the scheduler should run.</summary>
    int Workers { get; }

    /// <summary>For /health: "ok: …".</summary>
    string Status { get; }

    ITranscriber CreateWorker();
}
