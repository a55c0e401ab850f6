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

    /// <summary>
    /// As <see cref="TranscribeAsync(ReadOnlyMemory{float}, Action{int}, CancellationToken)"/>, in the
    /// language <paramref name="hints"/> names, telling its <see cref="TranscriptionHints.OnSegment"/>
    /// each piece of transcript as the engine produces it. An engine that cannot do either ignores it
    /// (the caller still gets every segment in the result).
    /// </summary>
    Task<IReadOnlyList<TranscriptSegment>> TranscribeAsync(ReadOnlyMemory<float> samples, TranscriptionHints hints, Action<int>? progress, CancellationToken cancellationToken) =>
        TranscribeAsync(samples, progress, cancellationToken);
}

/// <summary>
/// What one request asks beyond its audio: a language (an ISO 639-1 code such as <c>de</c>; null is
/// the engine's own) and a callback for each segment as it is decoded (a voice command's streamed
/// transcript). The callback runs on the engine's thread: it must not block.
/// </summary>
internal sealed record TranscriptionHints(string? Language = null, Action<TranscriptSegment>? OnSegment = null)
{
    public static TranscriptionHints None { get; } = new();
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
