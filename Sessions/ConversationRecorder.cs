using System.Diagnostics;
using System.Net.WebSockets;
using System.Threading.Channels;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Sessions;

/// <summary>
/// A session's audio pipeline: decode (Opus or PCM to 16 kHz mono), append to the current
/// conversation's WAV, and open and close conversations. It is the only task that touches the
/// conversation, so every way a conversation can end (audio-stop, API close, the silence timer,
/// disconnect, shutdown) is a message it handles in order: a conversation closes exactly once.
/// It drains its channel to the end whatever happens to the socket: accepted audio is never lost.
/// Owns the decoders and the open WAV file; both are released in <see cref="RunAsync"/>'s finally.
/// </summary>
internal sealed class ConversationRecorder(
    SessionEntry entry,
    DeviceProtocol protocol,
    SessionSettings settings,
    ConversationStore store,
    AudioObserver? observer,
    Func<WebSocketCloseStatus, string, Task> closeSession,
    Log log) : IDisposable
{
    private OpusPacketDecoder? _opus;
    private PcmConverter? _pcm;
    private OpenConversation? _current;
    private long _lastAudio = Stopwatch.GetTimestamp();
    private int _corruptRun;

    public string? CurrentConversationId => _current?.Id;

    public long PacketsDecoded { get; private set; }

    public long CorruptPackets { get; private set; }

    public long ConversationsClosed { get; private set; }

    public async Task RunAsync(ChannelReader<SessionMessage> reader)
    {
        try
        {
            // No token: the pipeline ends when the receive loop completes the channel, after the last message.
            await foreach (var message in reader.ReadAllAsync(CancellationToken.None))
            {
                await HandleAsync(message);
            }
        }
        finally
        {
            try
            {
                await CloseConversationAsync("disconnect");
            }
            finally
            {
                Dispose();
            }
        }
    }

    public void Dispose()
    {
        _opus?.Dispose();
        _opus = null;
        _pcm?.Dispose();
        _pcm = null;
    }

    private async Task HandleAsync(SessionMessage message)
    {
        switch (message)
        {
            case AudioPacketMessage packet:
                await WriteAsync(packet);
                break;
            case AudioStartMessage start:
                if (start.Format is not null && _pcm?.Format != start.Format)
                {
                    _pcm?.Dispose();
                    _pcm = new PcmConverter(start.Format);
                }

                break;
            case AudioStopMessage:
                await CloseConversationAsync("audio-stop");
                break;
            case CloseConversationMessage close:
                close.Done.TrySetResult(await CloseConversationAsync("api"));
                break;
            case TickMessage when _current is not null && Stopwatch.GetElapsedTime(_lastAudio) >= settings.ConversationTimeout:
                await CloseConversationAsync("timeout");
                break;
        }
    }

    private async Task WriteAsync(AudioPacketMessage packet)
    {
        if (_current is null)
        {
            // The first audio of a conversation: keep a copy while the conversation is created.
            var first = Decode(packet).ToArray();
            await CloseIfCorruptRunAsync();
            if (first.Length > 0)
            {
                Append(await OpenConversationAsync(), first);
            }

            return;
        }

        Append(_current, Decode(packet));
        await CloseIfCorruptRunAsync();
    }

    private void Append(OpenConversation conversation, ReadOnlySpan<short> samples)
    {
        if (samples.IsEmpty)
        {
            return;
        }

        _lastAudio = Stopwatch.GetTimestamp();
        var offset = conversation.Writer.SampleCount;
        conversation.Writer.Write(samples);
        observer?.Invoke(conversation.Id, offset, samples);
    }

    /// <summary>Decodes a payload; a corrupt Opus packet is counted and skipped (an empty result).</summary>
    private ReadOnlySpan<short> Decode(AudioPacketMessage packet)
    {
        if (protocol == DeviceProtocol.Pcm)
        {
            if (packet.Format is not null && _pcm?.Format != packet.Format)
            {
                _pcm?.Dispose();
                _pcm = new PcmConverter(packet.Format);
            }

            PacketsDecoded++;
            return _pcm!.Convert(packet.Payload);
        }

        _opus ??= new OpusPacketDecoder();
        try
        {
            var samples = _opus.Decode(packet.Payload);
            _corruptRun = 0;
            PacketsDecoded++;
            return samples;
        }
        catch (InvalidDataException ex)
        {
            CorruptPackets++;
            _corruptRun++;
            log.Debug("session", "skipped a corrupt Opus packet", ("client", entry.ClientId), ("reason", ex.Message), ("run", _corruptRun));
            return [];
        }
    }

    private async Task CloseIfCorruptRunAsync()
    {
        if (_corruptRun == settings.CorruptPacketRunLimit)
        {
            log.Info("session", "closing: too many corrupt Opus packets in a row", ("client", entry.ClientId), ("count", _corruptRun));
            await closeSession(WebSocketCloseStatus.InvalidPayloadData, $"{_corruptRun} corrupt Opus packets in a row");
        }
    }

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

        _current = new OpenConversation(id, writer);
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
            conversation.Writer.Dispose();
        }
        catch (IOException ex)
        {
            // The audio up to the last header refresh is readable; startup repair recovers the rest.
            state = "failed";
            log.Exception(LogLevel.Error, "session", "could not finish a conversation's WAV", ex);
        }
        finally
        {
            await store.CloseAsync(conversation.Id, DateTimeOffset.UtcNow, conversation.Writer.SampleCount, state, CancellationToken.None);
        }

        ConversationsClosed++;
        log.Info("session", "conversation closed", ("client", entry.ClientId), ("conversation", conversation.Id), ("reason", reason),
            ("seconds", Math.Round(conversation.Writer.Duration.TotalSeconds, 2)));
        return conversation.Id;
    }

    private sealed record OpenConversation(string Id, WavWriter Writer);
}
