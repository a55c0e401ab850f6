using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Tests.Support;

/// <summary>
/// An engine whose one worker records every run (its length in samples and its language) and hands
/// out its transcript in two pieces: "heard" at once (streamed, through the request's
/// <see cref="TranscriptionHints.OnSegment"/>), then "N samples" once the test lets the run finish
/// with <see cref="Step"/>. Cancelled runs are counted. Lets a test hold the worker busy and see in
/// which order work reaches it.
/// </summary>
internal sealed class SteppedEngine(bool gated = true) : ITranscriptionEngine
{
    private readonly SemaphoreSlim _steps = new(0);
    private readonly List<(int Samples, string? Language)> _runs = [];
    private int _cancelled;

    public int Workers => 1;

    public string Status => "ok: stepped test engine";

    /// <summary>Every run so far, in the order the worker started them.</summary>
    public IReadOnlyList<(int Samples, string? Language)> Runs
    {
        get
        {
            lock (_runs)
            {
                return [.. _runs];
            }
        }
    }

    /// <summary>Runs cancelled while waiting for their step.</summary>
    public int Cancelled => Volatile.Read(ref _cancelled);

    /// <summary>False: runs finish at once, without a step.</summary>
    public bool Gated => gated;

    /// <summary>Lets <paramref name="runs"/> runs (now or later) finish.</summary>
    public void Step(int runs = 1) => _steps.Release(runs);

    public ITranscriber CreateWorker() => new Worker(this);

    public ValueTask DisposeAsync()
    {
        _steps.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class Worker(SteppedEngine engine) : ITranscriber
    {
        public string Engine => "stepped";

        public string Model => "test";

        public Task<IReadOnlyList<TranscriptSegment>> TranscribeAsync(ReadOnlyMemory<float> samples, CancellationToken cancellationToken) =>
            TranscribeAsync(samples, TranscriptionHints.None, progress: null, cancellationToken);

        public async Task<IReadOnlyList<TranscriptSegment>> TranscribeAsync(ReadOnlyMemory<float> samples, TranscriptionHints hints, Action<int>? progress, CancellationToken cancellationToken)
        {
            lock (engine._runs)
            {
                engine._runs.Add((samples.Length, hints.Language));
            }

            var seconds = samples.Length / 16000.0;
            var first = new TranscriptSegment(0, seconds / 2, "heard");
            hints.OnSegment?.Invoke(first);
            try
            {
                if (engine.Gated)
                {
                    await engine._steps.WaitAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref engine._cancelled);
                throw;
            }

            var second = new TranscriptSegment(seconds / 2, seconds, $"{samples.Length} samples");
            hints.OnSegment?.Invoke(second);
            return [first, second];
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
