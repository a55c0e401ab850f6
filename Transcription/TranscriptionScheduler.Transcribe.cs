using System.Diagnostics;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Transcription;

/// <summary>One segment transcribed and stored, and what the scheduler counts about it for <c>/metrics</c>.</summary>
internal sealed partial class TranscriptionScheduler
{
    private long _completed;
    private long _failed;
    private long _deferred;

    /// <summary>Segments transcribed and stored since start.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Attempts that failed with an error (the segment is retried as a job, or failed after its last attempt).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Attempts not made because the engine was unavailable (a remote server's circuit breaker open): the segment waits as a job.</summary>
    public long Deferred => Interlocked.Read(ref _deferred);

    /// <summary>Seconds from a segment's being handed in (the VAD closed it) to its transcript stored, live or through the backlog.</summary>
    public Histogram Latency { get; } = Histogram.Seconds();

    /// <summary>
    /// One segment: its audio read back from the WAV, transcribed, stored as one transcript row
    /// spanning the speech (the text of Whisper's segments joined), times in the conversation.
    /// </summary>
    private async Task TranscribeAsync(ITranscriber worker, TranscriptionRequest request, Action<int> beat, CancellationToken cancellationToken)
    {
        var samples = WavFile.ReadRange(request.WavPath, request.StartSample, request.EndSample);
        IReadOnlyList<TranscriptSegment> segments;
        var waited = Stopwatch.GetElapsedTime(request.Submitted);
        var clock = Stopwatch.StartNew();
        Interlocked.Increment(ref _running);
        try
        {
            segments = samples.Length == 0 ? [] : await worker.TranscribeAsync(samples, beat, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }

        var start = request.StartSample / 16000.0;
        var end = (request.StartSample + samples.Length) / 16000.0;
        var text = TranscriptFormat.Text(segments);
        await transcripts.AddAsync(request.ConversationId, start, end, text, request.Speaker, worker.Engine, worker.Model, CancellationToken.None);
        Interlocked.Increment(ref _completed);
        Latency.Observe(Stopwatch.GetElapsedTime(request.Submitted).TotalSeconds);
        log.Debug("transcription", "segment transcribed", ("conversation", request.ConversationId), ("start", start), ("end", end), ("chars", text.Length),
            ("wait_ms", (long)waited.TotalMilliseconds), ("transcribe_ms", (long)clock.Elapsed.TotalMilliseconds));
    }

    /// <summary>A job's request, handed in when its job was made (so its latency counts the time it waited as a job).</summary>
    private TranscriptionRequest? RequestOf(JobRow job) =>
        TranscriptionRequest.FromJobPayload(job.Payload) is { } request
            ? request with { Submitted = Stopwatch.GetTimestamp() - (long)(jobs.Age(job).TotalSeconds * Stopwatch.Frequency) }
            : null;
}
