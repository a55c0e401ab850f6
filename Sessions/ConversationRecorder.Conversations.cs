using System.Net.WebSockets;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Sessions;

/// <summary>Opening and closing a session's conversations: the row, its WAV, and every way closing can fail.</summary>
internal sealed partial class ConversationRecorder
{
    /// <summary>ENOSPC: .NET reports the errno of a failed write as the <see cref="IOException"/>'s HResult on Linux.</summary>
    private const int DiskFull = 28;

    private async Task<OpenConversation> OpenConversationAsync()
    {
        var id = Guid.NewGuid().ToString("N");
        var started = settings.Time.GetUtcNow();
        var path = ConversationStore.AudioPath(settings.DataDirectory, id, started);
        await store.CreateAsync(new ConversationRow(id, entry.UserId, entry.ClientId, started, null, path, 16000, 0, "open"), CancellationToken.None);
        WavWriter writer;
        try
        {
            writer = WavWriter.Create(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await store.CloseAsync(id, settings.Time.GetUtcNow(), 0, "failed", CancellationToken.None);
            throw;
        }

        _current = new OpenConversation(id, writer, settings.CreateDetector(), settings.Time.GetTimestamp(), started);
        settings.Counters.CountOpened();
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
            state = FinishWav(conversation) ? state : "failed";
            settings.Counters.CountClosed();
        }

        try
        {
            await Transient.RetryAsync(() => store.CloseAsync(conversation.Id, settings.Time.GetUtcNow(), conversation.Writer.SampleCount, state, CancellationToken.None));
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
    private bool FinishWav(OpenConversation conversation)
    {
        try
        {
            try
            {
                settings.Faults?.Invoke(FaultPoint.WavFinish, conversation.Id, conversation.Writer.SampleCount);
            }
            finally
            {
                conversation.Writer.Dispose(); // closes the file whatever it throws
            }

            return true;
        }
        catch (IOException ex)
        {
            log.Exception(LogLevel.Error, "session", "could not finish a conversation's WAV", ex);
            return false;
        }
    }

    /// <summary>
    /// Audio could not be written (ENOSPC, EIO, a read-only remount): what is stored stays stored
    /// (the conversation is closed with it), and the device is told in words with 1011 so it keeps
    /// the rest (a wearable buffers while it cannot upload); the server goes on.
    /// </summary>
    private async Task StorageFailedAsync(Exception ex)
    {
        _refusing = true;
        var reason = ex.HResult == DiskFull ? "the server's disk is full" : "the server could not store audio";
        log.Exception(LogLevel.Error, "session", $"{reason}; closing the session of {entry.ClientId}", ex);
        await CloseConversationAsync("storage error");
        await closeSession(WebSocketCloseStatus.InternalServerError, reason);
    }

    private sealed record OpenConversation(string Id, WavWriter Writer, ISpeechDetector Vad, long Opened, DateTimeOffset StartedAt);
}
