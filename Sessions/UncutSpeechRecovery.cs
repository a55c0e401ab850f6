using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Sessions;

/// <summary>
/// After a crash, the speech a session's VAD had not yet cut (the utterance in progress, and a
/// segment the VAD was still waiting to close) exists only in the WAV. For each conversation cut
/// off by a crash, the audio after what is already transcribed or queued is run through the energy
/// VAD, a second at a time, and each segment found becomes a transcription job.
/// </summary>
internal sealed class UncutSpeechRecovery(TranscriptStore transcripts, JobStore jobs, Log log)
{
    private const int ChunkSamples = 16000;

    /// <summary>Queues the uncut speech of one repaired conversation; returns the number of segments found.</summary>
    public async Task<int> RunAsync(ConversationRow conversation, string path, long samples, CancellationToken cancellationToken)
    {
        var from = await transcripts.CoveredUntilAsync(conversation.Id, cancellationToken);
        if (from >= samples)
        {
            return 0;
        }

        var vad = new EnergyVad(new VadSettings());
        var segments = new List<SpeechSegment>();
        for (var offset = from; offset < samples; offset += ChunkSamples)
        {
            vad.Process(WavFile.ReadSamples(path, offset, Math.Min(samples, offset + ChunkSamples)), segments);
        }

        vad.Flush(segments);
        foreach (var segment in segments)
        {
            var request = new TranscriptionRequest(conversation.Id, path, from + segment.StartSample, from + segment.EndSample, TranscriptionRequest.SpeakerOf(conversation.ClientId));
            await jobs.EnqueueAsync(TranscriptionScheduler.JobKind, request.ToJobPayload(), cancellationToken);
        }

        if (segments.Count > 0)
        {
            log.Info("recovery", "speech not yet cut when the server stopped is queued for transcription", ("conversation", conversation.Id), ("segments", segments.Count));
        }

        return segments.Count;
    }
}
