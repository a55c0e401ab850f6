using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.HomeAssistant;

/// <summary>
/// <c>--wyoming-store</c>: each voice command kept as a closed conversation of the first active
/// administrator (client <c>home-assistant</c>), with its audio and the transcript already sent, so
/// it is listed, played, searched and turned into memories like a device's. Off by default: voice
/// commands are not kept. Failure domain: one command's storing; a failure is logged, the answer
/// has already gone to Home Assistant.
/// </summary>
internal sealed class CommandArchive(string dataDirectory, ConversationStore conversations, TranscriptStore transcripts, UserStore users, TimeProvider time, Log log)
{
    public const string ClientId = "home-assistant";

    public async Task KeepAsync(short[] samples, string text, string model, string peer)
    {
        try
        {
            var owner = (await users.ListAsync(CancellationToken.None)).Where(u => u.IsAdmin && u.IsActive).MinBy(u => u.CreatedAt);
            if (owner is null)
            {
                log.Warn("wyoming", "a voice command was not kept: --wyoming-store keeps commands for the first administrator, and there is none");
                return;
            }

            var id = Guid.NewGuid().ToString("N");
            var now = time.GetUtcNow();
            var started = now - TimeSpan.FromSeconds(samples.Length / 16000.0);
            var path = ConversationStore.AudioPath(dataDirectory, id, started);
            using (var wav = WavWriter.Create(path))
            {
                wav.Write(samples);
            }

            await conversations.CreateAsync(new ConversationRow(id, owner.Id, ClientId, started, null, path, 16000, samples.Length, "open"), CancellationToken.None);
            await transcripts.AddAsync(id, 0, samples.Length / 16000.0, text, "speaker_" + ClientId, "voice-command", model, CancellationToken.None);
            await conversations.CloseAsync(id, now, samples.Length, "closed", CancellationToken.None);
            await conversations.TouchClientAsync(owner.Id, ClientId, "Home Assistant", now, CancellationToken.None);
            log.Debug("wyoming", "voice command kept as a conversation", ("conversation", id), ("remote", peer));
        }
        catch (Exception ex)
        {
            log.Exception(LogLevel.Error, "wyoming", "a voice command could not be kept as a conversation", ex);
        }
    }
}
