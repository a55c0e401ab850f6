namespace FriendLite.Edge.Transcription;

/// <summary>
/// The engine of a server asked to transcribe whose model did not load (a typo, a truncated
/// download). It has no workers, so the scheduler keeps every segment as a durable job at once:
/// the speech recorded meanwhile is transcribed once the server is restarted with a model that loads.
/// </summary>
internal sealed class UnloadedEngine(string reason) : ITranscriptionEngine
{
    public int Workers => 0;

    public string Status => $"unavailable: {reason}";

    public ITranscriber CreateWorker() => throw new InvalidOperationException($"No model is loaded: {reason}");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
