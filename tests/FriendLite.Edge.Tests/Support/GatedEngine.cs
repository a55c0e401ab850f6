using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Tests.Support;

/// <summary>
/// An engine whose one worker does not return until the test releases it (a Whisper run that
/// hangs), reporting progress every <c>progressEvery</c> meanwhile when asked to (a long run that moves).
/// </summary>
internal sealed class GatedEngine(TimeSpan? progressEvery = null) : ITranscriptionEngine
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _progressReports;

    public int Workers => 1;

    public string Status => "ok: gated test engine";

    /// <summary>Completes when the first segment reaches the worker.</summary>
    public Task Started => _started.Task;

    public int ProgressReports => Volatile.Read(ref _progressReports);

    private TimeSpan? ProgressEvery => progressEvery;

    /// <summary>Lets every request, now and later, return.</summary>
    public void Release() => _release.TrySetResult();

    public ITranscriber CreateWorker() => new Worker(this);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class Worker(GatedEngine engine) : ITranscriber
    {
        public string Engine => "gated";

        public string Model => "test";

        public Task<IReadOnlyList<TranscriptSegment>> TranscribeAsync(ReadOnlyMemory<float> samples, CancellationToken cancellationToken) =>
            TranscribeAsync(samples, progress: null, cancellationToken);

        public async Task<IReadOnlyList<TranscriptSegment>> TranscribeAsync(ReadOnlyMemory<float> samples, Action<int>? progress, CancellationToken cancellationToken)
        {
            engine._started.TrySetResult();
            if (engine.ProgressEvery is { } every && progress is not null)
            {
                using var timer = new PeriodicTimer(every);
                var released = engine._release.Task;
                while (!released.IsCompleted)
                {
                    progress(50);
                    Interlocked.Increment(ref engine._progressReports);
                    await Task.WhenAny(released, timer.WaitForNextTickAsync(cancellationToken).AsTask());
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }

            await engine._release.Task.WaitAsync(cancellationToken);
            return [new TranscriptSegment(0, samples.Length / 16000.0, "released")];
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
