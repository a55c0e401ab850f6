using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Sessions;

/// <summary>
/// At start, before any device connects: conversations still marked open were cut off by a crash.
/// Their WAV headers are repaired from the file length (the writer refreshes them only every
/// second) and they are closed with the samples the file really holds, so no accepted audio is lost.
/// When the server transcribes, speech the VAD had not yet cut is queued for transcription first
/// (before the row is closed, so a crash during recovery cannot lose it).
/// </summary>
internal static class ConversationRecovery
{
    public static async Task<int> RunAsync(ConversationStore store, Log log, CancellationToken cancellationToken, UncutSpeechRecovery? uncut = null)
    {
        var recovered = 0;
        foreach (var conversation in await store.ListOpenAsync(cancellationToken))
        {
            long samples = 0;
            var state = "closed";
            var ended = conversation.StartedAt;
            try
            {
                if (conversation.AudioPath is { } path && File.Exists(path))
                {
                    var repaired = WavFile.Repair(path);
                    samples = (new FileInfo(path).Length - WavWriter.HeaderBytes) / 2;
                    ended = File.GetLastWriteTimeUtc(path);
                    log.Info("recovery", "closed a conversation cut off by a crash", ("conversation", conversation.Id), ("seconds", samples / 16000.0), ("header_repaired", repaired));
                    await QueueUncutSpeechAsync(uncut, conversation, path, samples, log, cancellationToken);
                }
                else
                {
                    state = "failed";
                    log.Warn("recovery", "a conversation cut off by a crash has no audio file", ("conversation", conversation.Id), ("path", conversation.AudioPath));
                }
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                state = "failed";
                log.Exception(LogLevel.Warn, "recovery", $"could not repair the audio of conversation {conversation.Id}", ex);
            }

            await store.CloseAsync(conversation.Id, ended, samples, state, cancellationToken);
            recovered++;
        }

        return recovered;
    }

    private static async Task QueueUncutSpeechAsync(UncutSpeechRecovery? uncut, ConversationRow conversation, string path, long samples, Log log, CancellationToken cancellationToken)
    {
        if (uncut is null)
        {
            return;
        }

        try
        {
            await uncut.RunAsync(conversation, path, samples, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // This conversation's fault (its audio, or the jobs table refusing its rows): it is still
            // closed with every sample, and the start goes on.
            log.Exception(LogLevel.Warn, "recovery", $"could not look for untranscribed speech in conversation {conversation.Id}", ex);
        }
    }
}
