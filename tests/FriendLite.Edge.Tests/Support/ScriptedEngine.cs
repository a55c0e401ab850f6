using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Tests.Support;

/// <summary>
/// A transcriber that "hears" a known recording: each segment it is given is found in that
/// recording (by its loudest 30 ms, matched sample by sample, so audio that went through the
/// server's 16 kHz path unchanged is found exactly and lightly coded audio nearly), and it answers
/// with the known sentence of every utterance that starts inside the segment. An utterance is a run
/// of sound between pauses of a second or more. <see cref="ForConversation3Utt"/> knows the
/// fixture <c>conversation-3utt.wav</c>: uploaded or streamed through this engine, a conversation
/// gets the fixture's real words, as a perfect Whisper would give them.
/// </summary>
internal sealed class ScriptedEngine : ITranscriptionEngine
{
    private const int Window = 480;
    private const int Silence = 64;
    private readonly short[] _recording;
    private readonly List<(long Start, long End, string Text)> _utterances;
    private int _transcribed;

    public ScriptedEngine(short[] recording, IReadOnlyList<string> sentences)
    {
        _recording = recording;
        var runs = Utterances(recording);
        if (runs.Count != sentences.Count)
        {
            throw new ArgumentException($"The recording has {runs.Count} utterances, not the {sentences.Count} sentences given.", nameof(sentences));
        }

        _utterances = [.. runs.Zip(sentences, (run, text) => (run.Start, run.End, text))];
    }

    /// <summary>The three sentences of the fixture <c>conversation-3utt.wav</c> (its README).</summary>
    public static IReadOnlyList<string> Conversation3UttSentences { get; } =
    [
        "Good morning. Remind me to call the dentist on Friday at ten.",
        "The glass furnace runs at two thousand degrees and weighs four hundred pounds.",
        "Please buy oat milk and coffee beans before the weekend.",
    ];

    public static ScriptedEngine ForConversation3Utt() => new(Fixtures.Samples("conversation-3utt.wav"), Conversation3UttSentences);

    /// <summary>Where each utterance of the recording is, in samples: [start, end).</summary>
    public IReadOnlyList<(long Start, long End)> UtteranceSamples => [.. _utterances.Select(u => (u.Start, u.End))];

    /// <summary>Segments transcribed so far.</summary>
    public int Transcribed => Volatile.Read(ref _transcribed);

    public int Workers => 1;

    public string Status => "ok: scripted test engine";

    public ITranscriber CreateWorker() => new Worker(this);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Where in the recording these samples are; -1 when they are not in it.</summary>
    internal long Locate(ReadOnlySpan<float> samples)
    {
        if (samples.Length < Window)
        {
            return -1;
        }

        var loudest = 0;
        var loudestEnergy = -1.0;
        for (var at = 0; at + Window <= samples.Length; at += Window / 2)
        {
            var energy = 0.0;
            foreach (var s in samples.Slice(at, Window))
            {
                energy += s * s;
            }

            if (energy > loudestEnergy)
            {
                (loudest, loudestEnergy) = (at, energy);
            }
        }

        var probe = new int[Window];
        for (var i = 0; i < Window; i++)
        {
            probe[i] = (int)MathF.Round(samples[loudest + i] * 32768f);
        }

        var best = -1L;
        var bestError = long.MaxValue;
        for (var position = 0; position + Window <= _recording.Length; position++)
        {
            long error = 0;
            for (var i = 0; i < Window && error < bestError; i++)
            {
                var d = probe[i] - _recording[position + i];
                error += (long)d * d;
            }

            if (error < bestError)
            {
                (best, bestError) = (position, error);
            }
        }

        // Close enough to be the same audio: on average within 1/30 of full scale.
        return bestError <= (long)Window * 1000 * 1000 ? best - loudest : -1;
    }

    private static List<(long Start, long End)> Utterances(short[] recording)
    {
        var runs = new List<(long Start, long End)>();
        long? start = null;
        long last = 0;
        for (var i = 0; i < recording.Length; i++)
        {
            if (Math.Abs((int)recording[i]) <= Silence)
            {
                continue;
            }

            if (start is { } open && i - last > 16000)
            {
                runs.Add((open, last + 1));
                start = null;
            }

            start ??= i;
            last = i;
        }

        if (start is { } final)
        {
            runs.Add((final, last + 1));
        }

        return runs;
    }

    private sealed class Worker(ScriptedEngine engine) : ITranscriber
    {
        public string Engine => "scripted";

        public string Model => "conversation-3utt";

        public Task<IReadOnlyList<TranscriptSegment>> TranscribeAsync(ReadOnlyMemory<float> samples, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var at = engine.Locate(samples.Span);
            var heard = at < 0
                ? []
                : engine._utterances.Where(u => u.Start >= at && u.Start < at + samples.Length)
                    .Select(u => new TranscriptSegment((u.Start - at) / 16000.0, Math.Min(u.End - at, samples.Length) / 16000.0, u.Text)).ToList();
            Interlocked.Increment(ref engine._transcribed);
            return Task.FromResult<IReadOnlyList<TranscriptSegment>>(heard);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
