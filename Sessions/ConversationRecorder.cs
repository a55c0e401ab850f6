using System.Net.WebSockets;
using System.Threading.Channels;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Transcription;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Sessions;

/// <summary>
/// A session's audio pipeline: decode (Opus or PCM to 16 kHz mono), append to the current
/// conversation's WAV, and open and close conversations. It is the only task that touches the
/// conversation, so every way a conversation can end (audio-stop, API close, the silence timer,
/// disconnect, shutdown) is a message it handles in order: a conversation closes exactly once.
/// It drains its channel to the end whatever happens to the socket: accepted audio is never lost.
/// Speech is found by a VAD per conversation; each speech segment goes to the server's
/// transcription scheduler (or, when it is full, straight to a durable job) through its
/// <see cref="SegmentSubmitter"/>. Owns its <see cref="PayloadDecoder"/>, the VAD, the open WAV file and the submitter;
/// all are released in <see cref="RunAsync"/>'s finally.
/// </summary>
internal sealed partial class ConversationRecorder(
    SessionEntry entry,
    DeviceProtocol protocol,
    SessionSettings settings,
    ConversationStore store,
    AudioObserver? observer,
    TranscriptionScheduler? scheduler,
    Func<WebSocketCloseStatus, string, Task> closeSession,
    Log log) : IDisposable
{
    private readonly List<SpeechSegment> _segments = [];
    private readonly SegmentSubmitter _transcription = new(entry, settings, scheduler, log);
    private readonly PayloadDecoder _decoder = new(protocol, entry.ClientId, settings.Faults, log, settings.Counters);

    /// <summary>
    /// Set when a conversation closed for lack of speech: the next one starts with speech, not with
    /// whatever audio comes (a device streaming silence would otherwise open an empty conversation
    /// every timeout). The silence in between is not stored.
    /// </summary>
    private ISpeechDetector? _awaitingSpeech;
    private SampleRing? _preRoll;
    private OpenConversation? _current;
    private long _lastSpeech = settings.Time.GetTimestamp();

    /// <summary>
    /// Set when audio cannot or may not be stored (a full disk, the free-space floor, the real-time
    /// limit): the session is closing, and what still arrives is counted, not stored.
    /// </summary>
    private bool _refusing;

    public string? CurrentConversationId => _current?.Id;

    /// <summary>When the current conversation started (wall clock), or null between conversations.</summary>
    public DateTimeOffset? CurrentConversationStartedAt => _current?.StartedAt;

    public long PacketsDecoded => _decoder.PacketsDecoded;

    public long CorruptPackets => _decoder.CorruptPackets;

    public long ConversationsClosed { get; private set; }

    /// <summary>Packets that arrived after a storage failure or a limit had closed the session (the device was told; they were never accepted).</summary>
    public long PacketsNotStored { get; private set; }

    public long SegmentsSubmitted => _transcription.SegmentsSubmitted;

    /// <summary>Segments this session still tracks for its drain (bounded by the queue, however long the session).</summary>
    public int SegmentsTracked => _transcription.Tracked;

    public async Task RunAsync(ChannelReader<SessionMessage> reader, ByteBudget queued, CancellationToken sessionToken)
    {
        _transcription.Start(sessionToken);
        try
        {
            // No token: the pipeline ends when the receive loop completes the channel, after the last message.
            await foreach (var message in reader.ReadAllAsync(CancellationToken.None))
            {
                try
                {
                    await HandleAsync(message);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Audio could not be written (a WAV created, appended or flushed).
                    await StorageFailedAsync(ex);
                }

                if (message is AudioPacketMessage packet)
                {
                    queued.Return(packet.Payload.Length);
                }
            }
        }
        finally
        {
            try
            {
                await CloseConversationAsync("disconnect");
                await _transcription.DrainAsync();
                if (PacketsNotStored > 0)
                {
                    log.Warn("session", "packets that arrived after the session was told to close were not stored", ("client", entry.ClientId), ("packets", PacketsNotStored));
                }
            }
            finally
            {
                Dispose();
            }
        }
    }

    /// <summary>The session ends because its user's access was taken away: its speech in transcription is left as waiting jobs, not handed over.</summary>
    public void GiveUpTranscription() => _transcription.GiveUp();

    public void Dispose()
    {
        ReleaseLimits();
        _transcription.Dispose();
        _decoder.Dispose();
    }

    private async Task HandleAsync(SessionMessage message)
    {
        if (!_refusing && settings.Disk is { IsLow: true } disk)
        {
            await DiskLowAsync(disk);
        }

        switch (message)
        {
            case AudioPacketMessage when _refusing:
                PacketsNotStored++;
                settings.Counters.CountNotStored(DeviceCounters.CodecOf(protocol));
                break;
            case AudioPacketMessage packet:
                await WriteAsync(packet);
                break;
            case AudioStartMessage start:
                _awaitingSpeech = null; // the device starts a stream on purpose: its first audio opens a conversation
                _preRoll = null;
                _decoder.UseFormat(start.Format);
                break;
            case AudioStopMessage:
                await CloseConversationAsync("audio-stop");
                break;
            case CloseConversationMessage close:
                close.Done.TrySetResult(await CloseConversationAsync("api"));
                break;
            case TickMessage when _current is not null && settings.Time.GetElapsedTime(Math.Max(_lastSpeech, _current.Opened)) >= settings.ConversationTimeout:
                await CloseConversationAsync("timeout");
                _awaitingSpeech = settings.CreateDetector();
                _preRoll = new SampleRing((int)(settings.PreRoll.TotalSeconds * 16000));
                break;
            case TickMessage when _current is { Writer.Unrefreshed: > 0 }:
                // A device that paused keeps its last samples in the file's buffer: one tick later they
                // are in the file and its header, so a kill -9 loses at most a tick of what was read.
                _current.Writer.RefreshHeader();

                break;
        }
    }

    private async Task WriteAsync(AudioPacketMessage packet)
    {
        if (_current is null)
        {
            // The first audio of a conversation: keep a copy while the conversation is created.
            var first = _decoder.Decode(packet).ToArray();
            if (!WithinRealtime(first.Length))
            {
                await OverRealtimeAsync();
                return;
            }

            await CloseIfCorruptRunAsync();
            if (_awaitingSpeech is { } idle)
            {
                idle.Process(first, _segments);
                var heard = idle.InSpeech || _segments.Count > 0;
                _segments.Clear();
                _preRoll?.Write(first);
                if (!heard)
                {
                    return;
                }

                // The conversation starts with the second before speech was heard (and this
                // packet), so the first word's onset and the VAD's padding are in the WAV.
                first = _preRoll?.Drain() ?? first;
                _awaitingSpeech = null;
                _preRoll = null;
            }

            if (first.Length > 0)
            {
                var opened = await OpenConversationAsync();
                Append(opened, first);
                await SubmitSegmentsAsync(opened);
            }

            return;
        }

        if (!AppendWithinRealtime(_current, _decoder.Decode(packet)))
        {
            await OverRealtimeAsync();
            return;
        }

        await SubmitSegmentsAsync(_current);
        await CloseIfCorruptRunAsync();
    }

    private void Append(OpenConversation conversation, ReadOnlySpan<short> samples)
    {
        if (samples.IsEmpty)
        {
            return;
        }

        var offset = conversation.Writer.SampleCount;
        settings.Faults?.Invoke(FaultPoint.WavWrite, conversation.Id, offset);
        conversation.Writer.Write(samples);
        observer?.Invoke(conversation.Id, offset, samples);
        conversation.Vad.Process(samples, _segments);
        if (conversation.Vad.InSpeech || _segments.Count > 0)
        {
            _lastSpeech = settings.Time.GetTimestamp();
        }
    }

    /// <summary>Hands the finished speech segments to transcription.</summary>
    private async Task SubmitSegmentsAsync(OpenConversation conversation)
    {
        if (_segments.Count == 0)
        {
            return;
        }

        await _transcription.SubmitAsync(conversation.Id, conversation.Writer, _segments);
        _segments.Clear();
    }

    private async Task CloseIfCorruptRunAsync()
    {
        if (_decoder.CorruptRun == settings.CorruptPacketRunLimit)
        {
            log.Info("session", "closing: too many corrupt Opus packets in a row", ("client", entry.ClientId), ("count", _decoder.CorruptRun));
            settings.Counters.CountViolation((int)WebSocketCloseStatus.InvalidPayloadData);
            await closeSession(WebSocketCloseStatus.InvalidPayloadData, $"{_decoder.CorruptRun} corrupt Opus packets in a row");
        }
    }
}
