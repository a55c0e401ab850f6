using System.Net.Sockets;
using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.HomeAssistant;

/// <summary>
/// One Home Assistant connection: events in order, any number of requests (<c>describe</c>, then
/// <c>transcribe</c>, <c>audio-start</c>, <c>audio-chunk</c>s, <c>audio-stop</c> answered with a
/// transcript), until the client closes. Failure domain: this connection only. A malformed or
/// oversized event gets an <c>error</c> event and the close (the stream cannot be trusted after it);
/// a client silent for the idle timeout, or not reading what it is sent within the write timeout,
/// is closed; a request the engine cannot serve gets an <c>error</c> and the connection goes on.
/// Nothing outlives it: its socket, its audio and its command are released before it returns.
/// </summary>
internal sealed partial class SpeechConnection(Socket socket, string peer, SpeechServerOptions options, SpeechContext context) : IDisposable
{
    private readonly NetworkStream _stream = new(socket, ownsSocket: true);
    private CommandRequest? _request;

    /// <summary>
    /// Serves the connection in its own group, nested in <paramref name="connections"/>; returns when
    /// the connection and everything it started has ended. Never throws: a fault is this
    /// connection's, logged, and the connection closed.
    /// </summary>
    public async Task RunAsync(bool admitted, TaskGroup connections)
    {
        if (!admitted)
        {
            context.Counters.Refused();
            await SendFinalAsync(SpeechEvents.Error($"The server already holds its maximum of {context.Sessions.MaxSessions} sessions; try again later.", "server-full"));
            return;
        }

        TaskGroup group;
        try
        {
            group = new TaskGroup($"wyoming {peer}", connections);
        }
        catch (InvalidOperationException)
        {
            // The server is stopping: its connections' group takes no more.
            context.Sessions.ReleaseOther();
            await SendFinalAsync(SpeechEvents.Error("The server is stopping.", "stopping"));
            return;
        }

        context.Counters.Opened();
        try
        {
            try
            {
                group.Spawn("events", ServeAsync);
            }
            catch (InvalidOperationException)
            {
                // Cancelled with the server between its making and this: it is stopping.
                await SendFinalAsync(SpeechEvents.Error("The server is stopping.", "stopping"));
            }

            await group.WaitQuietlyAsync();
        }
        finally
        {
            await group.DisposeQuietlyAsync();
            context.Sessions.ReleaseOther();
            context.Counters.Closed();
        }
    }

    private async Task ServeAsync(CancellationToken stopping)
    {
        context.Log.Debug("wyoming", "connected", ("remote", peer));
        var reader = new WyomingEventReader(_stream, options.Limits);
        using var idle = new CancellationTokenSource();
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(stopping, idle.Token);
        var reason = "closed by the client";
        try
        {
            while (true)
            {
                idle.CancelAfter(options.IdleTimeout);
                var message = await reader.ReadAsync(reading.Token);
                if (message is not { } received)
                {
                    break;
                }

                idle.CancelAfter(Timeout.InfiniteTimeSpan); // answering is not idling, however long the engine takes

                if (!await HandleAsync(received, reader, stopping))
                {
                    reason = "the client left during its request";
                    break;
                }
            }
        }
        catch (FormatException ex)
        {
            reason = $"a bad event: {ex.Message}";
            context.Counters.Refused();
            await SendFinalAsync(SpeechEvents.Error($"Bad Wyoming event: {ex.Message}.", "bad-event"));
        }
        catch (OperationCanceledException) when (idle.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            reason = $"nothing received for {options.IdleTimeout.TotalSeconds:0} s";
            await SendFinalAsync(SpeechEvents.Error($"Nothing was received for {options.IdleTimeout.TotalSeconds:0} s; the connection is closed.", "idle"));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            reason = "the server is stopping";
            await SendFinalAsync(SpeechEvents.Error("The server is stopping.", "stopping"));
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or TimeoutException)
        {
            reason = Reasons.Of(ex); // reset, closed inside an event, or a client that does not read
        }
        catch (Exception ex)
        {
            // Ours, unforeseen: this connection's alone.
            reason = "a fault";
            context.Log.Exception(LogLevel.Error, "wyoming", $"the connection of {peer} failed; it is closed", ex);
        }

        context.Log.Debug("wyoming", "disconnected", ("remote", peer), ("reason", reason));
    }

    /// <summary>One event; false when the client left while its request was being transcribed.</summary>
    private async Task<bool> HandleAsync(WyomingMessage message, WyomingEventReader reader, CancellationToken stopping)
    {
        switch (message.Type)
        {
            case SpeechEvents.Describe:
                await SendAsync(context.Info, stopping);
                return true;
            case SpeechEvents.Ping:
                await SendAsync(SpeechEvents.Pong(), stopping);
                return true;
            case SpeechEvents.Transcribe:
                Restart().Language = message.Data.Language;
                return true;
            case WyomingEvent.AudioStart:
                (_request ?? Restart()).Audio.Start(message.Data.Format);
                return true;
            case WyomingEvent.AudioChunk:
                (_request ?? Restart()).Audio.Add(message.Data.Format, message.Payload.Span);
                return true;
            case WyomingEvent.AudioStop:
                var request = _request ?? Restart();
                _request = null;
                using (request)
                {
                    return await AnswerAsync(request, reader, stopping);
                }

            default:
                // The protocol grows: an event this server has no use for is not an error.
                context.Log.Debug("wyoming", "ignored an event", ("remote", peer), ("type", message.Type));
                return true;
        }
    }

    /// <summary>A new request: whatever a previous one gathered without an <c>audio-stop</c> is dropped.</summary>
    private CommandRequest Restart()
    {
        _request?.Dispose();
        _request = new CommandRequest(new CommandAudio((int)(options.MaxCommand.TotalSeconds * 16000)));
        return _request;
    }

    /// <summary>The socket and the audio of a request left unfinished; after <see cref="RunAsync"/>.</summary>
    public void Dispose()
    {
        _request?.Dispose();
        _stream.Dispose();
    }

    /// <summary>Writes one event within the write timeout; a client that does not read in time is <see cref="TimeoutException"/>.</summary>
    private async Task SendAsync(byte[] frame, CancellationToken cancellationToken)
    {
        using var write = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        write.CancelAfter(options.WriteTimeout);
        try
        {
            await _stream.WriteAsync(frame, write.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the client did not read for {options.WriteTimeout.TotalSeconds:0} s");
        }
    }

    /// <summary>A last event before the close, given a second: the connection is ending whether or not it arrives.</summary>
    private async Task SendFinalAsync(byte[] frame)
    {
        using var write = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await _stream.WriteAsync(frame, write.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client is gone or not reading: the close says the rest.
        }
    }
}

/// <summary>One request being gathered: its language (from <c>transcribe</c>) and its audio.</summary>
internal sealed class CommandRequest(CommandAudio audio) : IDisposable
{
    public string? Language { get; set; }

    public CommandAudio Audio { get; } = audio;

    public void Dispose() => Audio.Dispose();
}
