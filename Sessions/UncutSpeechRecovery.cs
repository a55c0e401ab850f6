using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Sessions;

/// <summary>
/// After a crash, the speech a session's VAD had not yet cut (the utterance in progress, and a
/// segment the VAD was still waiting to close) exists only in the WAV. For each conversation cut
/// off by a crash, the audio after what is already transcribed or queued is run through the VAD
/// (<see cref="SpeechJobs"/>), and each segment found becomes a transcription job.
/// </summary>
internal sealed class UncutSpeechRecovery(TranscriptStore transcripts, SpeechJobs speech, Log log)
{
    /// <summary>Queues the uncut speech of one repaired conversation; returns the number of segments found.</summary>
    public async Task<int> RunAsync(ConversationRow conversation, string path, long samples, CancellationToken cancellationToken)
    {
        var from = await transcripts.CoveredUntilAsync(conversation.Id, cancellationToken);
        if (from >= samples)
        {
            return 0;
        }

        var queued = (await speech.QueueAsync(conversation, path, from, samples, cancellationToken)).Count;
        if (queued > 0)
        {
            log.Info("recovery", "speech not yet cut when the server stopped is queued for transcription", ("conversation", conversation.Id), ("segments", queued));
        }

        return queued;
    }
}
