using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Sessions;

/// <summary>
/// At start, before any device connects: conversations still marked open were cut off by a crash.
/// Their WAV headers are repaired from the file length (the writer refreshes them only every
/// second) and they are closed with the samples the file really holds, so no accepted audio is lost.
/// </summary>
internal static class ConversationRecovery
{
    public static async Task<int> RunAsync(ConversationStore store, Log log, CancellationToken cancellationToken)
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
}
