using System.Runtime.InteropServices;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Transcription;

/// <summary>
/// The one place where a conversation's stored audio becomes transcription work, for audio no
/// device session cut: an upload, a conversation transcribed again, speech a crash left uncut. The
/// conversation's 16 kHz WAV is read a second at a time through a speech detector made as the
/// sessions make theirs (same settings: 500 ms of silence ends a segment, bursts under 250 ms are
/// ignored, 200 ms of padding, 25 s at most), and each segment becomes a durable
/// <see cref="TranscriptionScheduler.JobKind"/> job the scheduler's workers take when idle.
/// </summary>
internal sealed class SpeechJobs(ConversationStore conversations, JobStore jobs, Func<ISpeechDetector> detector, TimeProvider time)
{
    private const int ChunkSamples = 16000;

    /// <summary>False when the server has no transcription engine: audio is then stored and not transcribed, as a device's is.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Speech in samples [<paramref name="from"/>, <paramref name="to"/>) of a 16 kHz mono WAV this server wrote, in samples of the whole file.</summary>
    public IReadOnlyList<SpeechSegment> Find(string path, long from, long to)
    {
        var vad = detector();
        var found = new List<SpeechSegment>();
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024);
        to = Math.Min(to, Math.Max(0, (file.Length - WavWriter.HeaderBytes) / 2));
        file.Position = WavWriter.HeaderBytes + from * 2;
        var buffer = new byte[ChunkSamples * 2];
        for (var offset = from; offset < to; offset += ChunkSamples)
        {
            var bytes = (int)Math.Min(ChunkSamples, to - offset) * 2;
            file.ReadExactly(buffer, 0, bytes);
            vad.Process(MemoryMarshal.Cast<byte, short>(buffer.AsSpan(0, bytes)), found);
        }

        vad.Flush(found);
        return [.. found.Select(s => new SpeechSegment(from + s.StartSample, from + s.EndSample))];
    }

    /// <summary>The transcription request of one segment of a conversation.</summary>
    public static TranscriptionRequest Request(ConversationRow conversation, string path, SpeechSegment segment) =>
        new(conversation.Id, path, segment.StartSample, segment.EndSample, TranscriptionRequest.SpeakerOf(conversation.ClientId));

    /// <summary>Finds the speech in samples [<paramref name="from"/>, <paramref name="to"/>) of a conversation's WAV and queues each segment as a job; returns the job ids.</summary>
    public async Task<IReadOnlyList<long>> QueueAsync(ConversationRow conversation, string path, long from, long to, CancellationToken cancellationToken)
    {
        var ids = new List<long>();
        foreach (var segment in Find(path, from, to))
        {
            ids.Add(await jobs.EnqueueAsync(TranscriptionScheduler.JobKind, Request(conversation, path, segment).ToJobPayload(), cancellationToken));
        }

        return ids;
    }

    /// <summary>
    /// Transcribes a closed conversation again: its whole WAV through the detector, then its old
    /// transcript and transcription jobs replaced by the new jobs in one transaction, with an
    /// extraction queued after them when <paramref name="extract"/> is set.
    /// </summary>
    public async Task<Retranscription> RetranscribeAsync(ConversationRow conversation, bool extract, CancellationToken cancellationToken)
    {
        var path = conversation.AudioPath ?? throw new FileNotFoundException("The conversation has no audio file.");
        var payloads = Find(path, 0, long.MaxValue).Select(s => Request(conversation, path, s).ToJobPayload()).ToList();
        return await conversations.ReplaceTranscriptionAsync(conversation.Id, TranscriptionScheduler.JobKind, payloads, extract, time.GetUtcNow(), cancellationToken);
    }
}
