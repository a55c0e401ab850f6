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
