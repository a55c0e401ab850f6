using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using FriendLite.Edge.Cli;
using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Loadgen;

/// <summary>
/// One WebSocket connection of a client: connect, audio-start, paced frames, then audio-stop and the
/// close handshake. Ownership: the session nests a group in the run's group for its receive loop;
/// <see cref="RunAsync"/> disposes that group (awaiting the loop) and the socket before it returns.
/// Sends only observe the abort token, because cancelling a WebSocket send tears the connection down.
/// </summary>
internal sealed partial class LoadgenSession(
    int number, Uri url, LoadgenOptions options, AudioFrames audio, LoadgenStats stats, TaskGroup run, int position, long churnAt)
{
    private readonly double _periodTicks = options.FramePeriod.TotalSeconds * Stopwatch.Frequency;
    private readonly bool _loops = options.Duration is not null;
    private readonly TaskCompletionSource _receiverEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _weClosed;     // set before our close frame: the server's close is then an answer, not a surprise
    private volatile bool _abandoned;    // set before an abort on purpose: the receive loop's failure is then ours
    private volatile bool _errorRecorded;

    /// <summary>The next frame to send, for the client's next session.</summary>
    public int Position { get; private set; } = position;

    public bool Opened { get; private set; }

    public async Task<SessionEnd> RunAsync(CancellationToken stopping, CancellationToken abort)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (await ConnectAsync(socket, stopping, abort) is { } failed)
        {
            return failed;
        }

        Opened = true;
        stats.SessionOpened();
        // Cancelled when the client stops or the receive loop ends (the connection is over).
        using var sessionStop = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        using var events = new WyomingEventWriter();
        TaskGroup connection;
        try
        {
            connection = new TaskGroup($"client-{number}", run);
        }
        catch (InvalidOperationException) when (abort.IsCancellationRequested)
        {
            return SessionEnd.Stopped;
        }

        await using (connection)
        {
            connection.Spawn("receive", ct => ReceiveAsync(socket, sessionStop, ct));
            var end = await StreamAsync(socket, events, sessionStop.Token, stopping, abort);
            if (abort.IsCancellationRequested)
            {
                return SessionEnd.Stopped;
            }

            switch (end)
            {
                case SessionEnd.AudioFinished or SessionEnd.Stopped:
                    if (socket.State == WebSocketState.Open)
                    {
                        stats.SessionHeld();
                    }

                    await CloseAsync(socket, events, abort);
                    break;
                case SessionEnd.Churned when Random.Shared.Next(2) == 0:
                    // Half the churn is a device vanishing (out of range, battery): no audio-stop, no close frame.
                    _abandoned = true;
                    socket.Abort();
                    break;
                case SessionEnd.Churned:
                    await CloseAsync(socket, events, abort);
                    break;
                default:
                    await AnswerServerCloseAsync(socket, abort);
                    break;
            }

            return end;
        }
    }

    private async Task<SessionEnd?> ConnectAsync(ClientWebSocket socket, CancellationToken stopping, CancellationToken abort)
    {
        using var connect = CancellationTokenSource.CreateLinkedTokenSource(stopping, abort);
        connect.CancelAfter(options.ConnectTimeout);
        try
        {
            await socket.ConnectAsync(url, connect.Token);
            return null;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested || abort.IsCancellationRequested)
        {
            return SessionEnd.Stopped;
        }
        catch (OperationCanceledException)
        {
            stats.Error(number, "connect", $"no answer within {Duration.Format(options.ConnectTimeout)}");
            return SessionEnd.Lost;
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException)
        {
            var status = socket.HttpStatusCode;
            if (status is not 0 and not HttpStatusCode.SwitchingProtocols)
            {
                stats.Error(number, "connect", $"HTTP {(int)status}");
                // A 4xx will not change by asking again with the same URL and token; a 5xx or 429 may.
                return (int)status is >= 400 and < 500 and not 408 and not 429 ? SessionEnd.Refused : SessionEnd.Lost;
            }

            stats.Error(number, "connect", LoadgenStats.Reason(ex));
            return SessionEnd.Lost;
        }
    }

    private async Task<SessionEnd> StreamAsync(
        ClientWebSocket socket, WyomingEventWriter events, CancellationToken sessionStop, CancellationToken stopping, CancellationToken abort)
    {
        try
        {
            if (options.UsesWyoming)
            {
                var start = events.AudioStart();
                await socket.SendAsync(start, WebSocketMessageType.Text, endOfMessage: true, abort);
                stats.MessageSent(start.Length);
            }

            // Deadlines are absolute (origin + k periods), so a late frame does not push the later ones back.
            var origin = Stopwatch.GetTimestamp();
            for (long k = 0; ; k++)
            {
                if (!_loops && Position >= audio.Count)
                {
                    return SessionEnd.AudioFinished;
                }

                var deadline = origin + (long)(k * _periodTicks);
                if (_periodTicks > 0)
                {
                    await LoadgenClient.DelayAsync(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline), sessionStop);
                }
                else if (k % 64 == 63)
                {
                    // Unpaced sends often complete synchronously: let the other clients have the thread now and then.
                    await Task.Yield();
                }

                if (sessionStop.IsCancellationRequested)
                {
                    return stopping.IsCancellationRequested ? SessionEnd.Stopped : SessionEnd.Lost;
                }

                var started = Stopwatch.GetTimestamp();
                if (started >= churnAt)
                {
                    return SessionEnd.Churned;
                }

                var payload = audio[Position];
                var bytes = await SendFrameAsync(socket, events, payload, abort);
                var late = _periodTicks > 0 && started - deadline > _periodTicks;
                stats.FrameSent(bytes, payload.Length, Stopwatch.GetElapsedTime(started), late);
                Position = _loops && Position + 1 == audio.Count ? 0 : Position + 1;
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException && !abort.IsCancellationRequested)
        {
            // The receive loop sees why the connection broke (a close frame, a reset); give it a moment to say so.
            if (!await FinishesWithinAsync(_receiverEnded.Task, TimeSpan.FromSeconds(1), abort) || !_errorRecorded)
            {
                stats.Error(number, "send", LoadgenStats.Reason(ex));
            }

            return SessionEnd.Lost;
        }
    }

    private async Task<int> SendFrameAsync(ClientWebSocket socket, WyomingEventWriter events, ReadOnlyMemory<byte> payload, CancellationToken abort)
    {
        if (!options.UsesWyoming)
        {
            await socket.SendAsync(payload, WebSocketMessageType.Binary, endOfMessage: true, abort);
            return payload.Length;
        }

        var header = events.AudioChunk(payload.Length, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        await socket.SendAsync(header, WebSocketMessageType.Text, endOfMessage: true, abort);
        await socket.SendAsync(payload, WebSocketMessageType.Binary, endOfMessage: true, abort);
        return header.Length + payload.Length;
    }

    private static async Task<bool> FinishesWithinAsync(Task task, TimeSpan limit, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(limit, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            return false;
        }
    }
}
