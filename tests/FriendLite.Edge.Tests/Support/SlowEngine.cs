using System.Globalization;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Tests.Support;

/// <summary>An engine that takes a fixed time per segment (cancellable), like a CPU that is too slow.</summary>
internal sealed class SlowEngine(TimeSpan perSegment) : ITranscriptionEngine
{
    public TimeSpan PerSegment => perSegment;

    private int _transcribed;
    private int _running;
    private int _mostAtOnce;

    public int Transcribed => Volatile.Read(ref _transcribed);

    public int MostAtOnce => Volatile.Read(ref _mostAtOnce);

    public int Workers => 1;

    public string Status => "ok: slow test engine";

    public ITranscriber CreateWorker() => new Worker(this);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class Worker(SlowEngine engine) : ITranscriber
    {
        public string Engine => "slow";

        public string Model => "test";

        public async Task<IReadOnlyList<TranscriptSegment>> TranscribeAsync(ReadOnlyMemory<float> samples, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref engine._running);
            InterlockedMax(ref engine._mostAtOnce, now);
            try
            {
                await Task.Delay(engine.PerSegment, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref engine._running);
            }

            Interlocked.Increment(ref engine._transcribed);
            return [new TranscriptSegment(0, samples.Length / 16000.0, string.Create(CultureInfo.InvariantCulture, $"slow engine heard {samples.Length} samples"))];
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }
    }
}
