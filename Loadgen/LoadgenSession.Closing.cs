using System.Net.WebSockets;
using FriendLite.Edge.Cli;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Loadgen;

/// <summary>
/// The end of a connection: the graceful close handshake (audio-stop, our close frame, the
/// server's answer), the answer owed to a server that closed first, and the receive loop that
/// tells a server's close apart from an answer to ours and records why a connection ended.
/// </summary>
internal sealed partial class LoadgenSession
{
    /// <summary>The graceful end: audio-stop, our close frame, then the server's answer (bounded by the close timeout).</summary>
    private async Task CloseAsync(ClientWebSocket socket, WyomingEventWriter events, CancellationToken abort)
    {
        if (socket.State != WebSocketState.Open)
        {
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(abort);
        timeout.CancelAfter(options.CloseTimeout);
        try
        {
            if (options.UsesWyoming)
            {
                var stop = events.AudioStop(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
                await socket.SendAsync(stop, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
                stats.MessageSent(stop.Length);
            }

            _weClosed = true;
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "loadgen done", timeout.Token);
            await _receiverEnded.Task.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // The run is aborting: nobody waits for the handshake.
        }
        catch (OperationCanceledException)
        {
            stats.Error(number, "close", $"no close answer within {Duration.Format(options.CloseTimeout)}");
        }
        catch (Exception ex) when (ex is WebSocketException or IOException)
        {
            if (!_errorRecorded)
            {
                stats.Error(number, "close", LoadgenStats.Reason(ex));
            }
        }
    }

    /// <summary>After the server closed first, send the close frame it is owed so its side can finish the handshake.</summary>
    private async Task AnswerServerCloseAsync(ClientWebSocket socket, CancellationToken abort)
    {
        if (socket.State != WebSocketState.CloseReceived)
        {
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(abort);
        timeout.CancelAfter(options.CloseTimeout);
        try
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
            // The error that ended the session is already counted; this is only courtesy.
        }
    }

    /// <summary>Reads until the close frame. Nothing is expected from the server; whatever comes is drained so it cannot stall the socket.</summary>
    private async Task ReceiveAsync(ClientWebSocket socket, CancellationTokenSource sessionStop, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    var status = socket.CloseStatus ?? WebSocketCloseStatus.Empty;
                    if (!_weClosed)
                    {
                        Record("closed by server", Describe(status, socket.CloseStatusDescription));
                    }
                    else if (status != WebSocketCloseStatus.NormalClosure)
                    {
                        Record("close answered with", Describe(status, socket.CloseStatusDescription));
                    }

                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The session is over and its group is being disposed.
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // A receive ends with OperationCanceledException also when the socket is aborted here: by a
            // churn abort, or by a close that timed out (which the sender has counted already).
            if (!_abandoned && !(ex is OperationCanceledException && _weClosed))
            {
                Record(_weClosed ? "close" : "connection lost", LoadgenStats.Reason(ex));
            }
        }
        finally
        {
            _receiverEnded.TrySetResult();
            await sessionStop.CancelAsync();
        }
    }

    private void Record(string kind, string reason)
    {
        _errorRecorded = true;
        stats.Error(number, kind, reason);
    }

    private static string Describe(WebSocketCloseStatus status, string? reason)
    {
        var name = Enum.IsDefined(status) ? $" ({status})" : "";
        return string.IsNullOrEmpty(reason) ? $"{(int)status}{name}" : $"{(int)status}{name} {reason}";
    }
}
