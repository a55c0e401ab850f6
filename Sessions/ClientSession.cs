using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;
using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Transcription;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Sessions;

/// <summary>
/// One device connection. Ownership: all of its work runs as children of the session's TaskGroup
/// (receive loop, pipeline, watchdog), which the caller awaits before disposing the WebSocket and
/// aborting the HTTP response. The receive loop owns the read side and completes the channel when
/// it ends; the pipeline (<see cref="ConversationRecorder"/>) drains it; the watchdog owns timing
/// (idle timeout, conversation timer ticks, closing on cancellation). Sends are serialized by one
/// lock and a close frame is sent at most once.
/// </summary>
internal sealed partial class ClientSession : IDisposable
{
    private readonly SessionEntry _entry;
    private readonly WebSocket _socket;
    private readonly DeviceProtocol _protocol;
    private readonly SessionSettings _settings;
    private readonly Func<bool> _serverStopping;
    private readonly Log _log;
    private readonly Channel<SessionMessage> _channel;
    private readonly ConversationRecorder _recorder;
    private readonly ByteBudget _queued;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _abort = new();
    private readonly CancellationTokenSource _receiveDone = new();
    private long _lastReceived;
    private byte[] _buffer = [];
    private bool _closeSent;

    public ClientSession(SessionEntry entry, WebSocket socket, DeviceProtocol protocol, SessionSettings settings, ConversationStore store,
        AudioObserver? observer, TranscriptionScheduler? scheduler, Func<bool> serverStopping, Log log)
    {
        _entry = entry;
        _socket = socket;
        _protocol = protocol;
        _settings = settings;
        _serverStopping = serverStopping;
        _log = log;
        _lastReceived = settings.Time.GetTimestamp();
        _channel = Channel.CreateBounded<SessionMessage>(new BoundedChannelOptions(settings.ChannelCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _queued = new ByteBudget(settings.MaxQueuedBytes);
        _recorder = new ConversationRecorder(entry, protocol, settings, store, observer, scheduler, CloseAsync, log);
    }

    public string ClientId => _entry.ClientId;

    public string? CurrentConversationId => _recorder.CurrentConversationId;

    public long FramesReceived { get; private set; }

    public long BytesReceived { get; private set; }

    public long ChunksDropped { get; private set; }

    /// <summary>Payload bytes read from the device and not yet stored by the pipeline (at most <see cref="SessionSettings.MaxQueuedBytes"/> and one payload).</summary>
    public long QueuedBytes => _queued.Used;

    public ConversationRecorder Recorder => _recorder;

    /// <summary>Runs the session's children in <paramref name="group"/> and returns when all have finished.</summary>
    public async Task RunAsync(TaskGroup group)
    {
        // All or none: a receive loop started without its pipeline (or the watchdog that closes it) would wait on a full channel forever.
        group.SpawnAll(("pipeline", RunPipelineAsync), ("watchdog", WatchdogAsync), ("receive", ReceiveLoopAsync));
        await group.WaitAsync();
    }

    /// <summary>Releases the session's own primitives; call after <see cref="RunAsync"/> has returned.</summary>
    public void Dispose()
    {
        _channel.Writer.TryComplete();
        _recorder.Dispose();
        _abort.Dispose();
        _receiveDone.Dispose();
        _sendLock.Dispose();
    }

    /// <summary>
    /// Ends the session from the server's side because its user's access was taken away: a close
    /// frame saying why, then the usual end, except that its speech still in transcription is left as
    /// waiting jobs (for the revocation to cancel) instead of being handed over.
    /// </summary>
    public Task EndAsync(WebSocketCloseStatus status, string reason)
    {
        _recorder.GiveUpTranscription();
        return CloseAsync(status, reason);
    }

    /// <summary>Closes the current conversation now; its id, or null when none was open.</summary>
    public async Task<string?> CloseConversationAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _channel.Writer.WriteAsync(new CloseConversationMessage(done), cancellationToken);
        return await done.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }

    /// <summary>
    /// The recorder drains the channel to its end. If it fails instead, nothing reads the channel any
    /// more: completing it ends a receive loop waiting on a full channel (the failure has cancelled
    /// the group, so the watchdog tells the device).
    /// </summary>
    private async Task RunPipelineAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _recorder.RunAsync(_channel.Reader, _queued, cancellationToken);
        }
        finally
        {
            _channel.Writer.TryComplete();
            _queued.Close();
        }
    }

    /// <summary>
    /// Reads until the device closes (or the close grace after our own close runs out). Not the
    /// group's token: on shutdown the watchdog sends 1001 and the loop keeps reading what the
    /// device had already sent, so audio in flight is still stored.
    /// </summary>
    private async Task ReceiveLoopAsync(CancellationToken _)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(4096);
        var reader = new DeviceFrameReader(_protocol, _settings);
        try
        {
            while (true)
            {
                var (type, length) = await ReceiveMessageAsync(reader.Limit);
                if (type == WebSocketMessageType.Close)
                {
                    await CloseAsync(WebSocketCloseStatus.NormalClosure, "");
                    return;
                }

                FramesReceived++;
                BytesReceived += length;
                Volatile.Write(ref _lastReceived, _settings.Time.GetTimestamp());
                var (message, dropped) = reader.Accept(type, _buffer.AsSpan(0, length));
                if (dropped)
                {
                    ChunksDropped++;
                    _settings.Counters.CountDropped(DeviceCounters.CodecOf(_protocol));
                }
                else if (message is not null)
                {
                    if (message is AudioPacketMessage packet)
                    {
                        CountAudio(packet.Payload.Length);
                    }

                    await WriteAsync(message);
                }
            }
        }
        catch (ProtocolViolation violation)
        {
            _log.Info("session", "closing: protocol violation", ("client", ClientId), ("status", (int)violation.Status), ("reason", violation.Message));
            _settings.Counters.CountViolation((int)violation.Status);
            await CloseAsync(violation.Status, violation.Message);
        }
        catch (OperationCanceledException)
        {
            // Aborted after a close that went unanswered, or the session is being cancelled.
        }
        catch (ChannelClosedException)
        {
            // The pipeline failed and no longer reads: tell the device (the watchdog may not get to it once reading stops) and stop reading.
            await CloseAsync(WebSocketCloseStatus.InternalServerError, "internal error");
        }
        catch (WebSocketException ex)
        {
            _log.Debug("session", "connection lost", ("client", ClientId), ("reason", Reasons.Of(ex)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
            _channel.Writer.TryComplete();
            await _receiveDone.CancelAsync();
        }
    }

    /// <summary>
    /// Hands a message to the pipeline. An abort (the device left a close unanswered) may come while
    /// the pipeline is behind and the channel full: the message was read from the socket, so it is
    /// still handed over (the pipeline reads until the channel completes) before reading stops.
    /// </summary>
    private async Task WriteAsync(SessionMessage message)
    {
        var bytes = message is AudioPacketMessage packet ? packet.Payload.Length : 0;
        var taken = false;
        try
        {
            await _queued.TakeAsync(bytes, _abort.Token);
            taken = true;
            await _channel.Writer.WriteAsync(message, _abort.Token);
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            if (!taken)
            {
                _queued.Take(bytes);
            }

            await _channel.Writer.WriteAsync(message, CancellationToken.None);
            throw;
        }
    }

    private async Task WatchdogAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _receiveDone.Token);
        using var timer = new PeriodicTimer(_settings.TickInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                _channel.Writer.TryWrite(TickMessage.Instance);
                if (_settings.Time.GetElapsedTime(Volatile.Read(ref _lastReceived)) >= _settings.IdleTimeout)
                {
                    _log.Info("session", "closing: idle timeout", ("client", ClientId), ("seconds", _settings.IdleTimeout.TotalSeconds));
                    await CloseAsync(WebSocketCloseStatus.PolicyViolation, "idle timeout");
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (!_receiveDone.IsCancellationRequested)
        {
            // The session is cancelled: the server is stopping, or one of its tasks failed.
            var stopping = _serverStopping();
            await CloseAsync(
                stopping ? WebSocketCloseStatus.EndpointUnavailable : WebSocketCloseStatus.InternalServerError,
                stopping ? "server shutting down" : "internal error");
        }
        catch (OperationCanceledException)
        {
            // The receive loop has ended: nothing left to watch.
        }
    }

    /// <summary>Sends a close frame once, then gives the device <see cref="SessionSettings.CloseGrace"/> to answer before the receive is aborted.</summary>
    private async Task CloseAsync(WebSocketCloseStatus status, string reason)
    {
        try
        {
            await _sendLock.WaitAsync();
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        try
        {
            if (_closeSent)
            {
                return;
            }

            _closeSent = true;
            // If the device never answers the close, stop waiting for it.
            _abort.CancelAfter(_settings.CloseGrace);
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(_settings.CloseGrace);
                await _socket.CloseOutputAsync(status, CloseReason.Fit(reason), timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            _log.Debug("session", "could not send the close frame", ("client", ClientId), ("reason", Reasons.Of(ex)));
        }
        finally
        {
            _sendLock.Release();
        }
    }
}
