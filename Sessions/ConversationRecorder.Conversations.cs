using System.Diagnostics;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Sessions;

/// <summary>Opening and closing a session's conversations: the row, its WAV, and every way closing can fail.</summary>
internal sealed partial class ConversationRecorder
{
    private async Task<OpenConversation> OpenConversationAsync()
    {
        var id = Guid.NewGuid().ToString("N");
        var started = DateTimeOffset.UtcNow;
        var path = ConversationStore.AudioPath(settings.DataDirectory, id, started);
        await store.CreateAsync(new ConversationRow(id, entry.UserId, entry.ClientId, started, null, path, 16000, 0, "open"), CancellationToken.None);
        WavWriter writer;
        try
        {
            writer = WavWriter.Create(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await store.CloseAsync(id, DateTimeOffset.UtcNow, 0, "failed", CancellationToken.None);
            throw;
        }

        _current = new OpenConversation(id, writer, settings.CreateDetector(), Stopwatch.GetTimestamp());
        log.Info("session", "conversation started", ("client", entry.ClientId), ("conversation", id));
        return _current;
    }

    /// <summary>Closes the open conversation, if any, and returns its id. Safe to call when none is open.</summary>
    private async Task<string?> CloseConversationAsync(string reason)
    {
        var conversation = _current;
        if (conversation is null)
        {
            return null;
        }

        _current = null;
        var state = "closed";
        try
        {
            conversation.Vad.Flush(_segments);
            await SubmitSegmentsAsync(conversation);
        }
        catch (IOException ex)
        {
            // The WAV could not be flushed for the workers (disk full): its last speech is not handed over.
            _segments.Clear();
            log.Exception(LogLevel.Error, "session", $"could not hand the last speech of conversation {conversation.Id} to transcription", ex);
        }
        finally
        {
            // Whatever failed above, the WAV is finished and its handle released.
            state = FinishWav(conversation.Writer) ? state : "failed";
        }

        try
        {
            await Transient.RetryAsync(() => store.CloseAsync(conversation.Id, DateTimeOffset.UtcNow, conversation.Writer.SampleCount, state, CancellationToken.None));
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException)
        {
            // The row stays open, which is what the next start's recovery looks for: it closes it from the finished WAV.
            log.Exception(LogLevel.Error, "session", $"could not record conversation {conversation.Id} as {state}; the next start closes it from its audio", ex);
            return conversation.Id;
        }

        ConversationsClosed++;
        log.Info("session", "conversation closed", ("client", entry.ClientId), ("conversation", conversation.Id), ("reason", reason),
            ("seconds", Math.Round(conversation.Writer.Duration.TotalSeconds, 2)));
        return conversation.Id;
    }

    /// <summary>Writes the final header and closes the file; false when that failed (the audio up to the last refresh is readable, and start-up repair recovers the rest).</summary>
    private bool FinishWav(WavWriter writer)
    {
        try
        {
            writer.Dispose();
            return true;
        }
        catch (IOException ex)
        {
            log.Exception(LogLevel.Error, "session", "could not finish a conversation's WAV", ex);
            return false;
        }
    }

    private sealed record OpenConversation(string Id, WavWriter Writer, ISpeechDetector Vad, long Opened);
}
