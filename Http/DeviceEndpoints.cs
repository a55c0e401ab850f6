using System.Net;
using System.Net.WebSockets;
using System.Threading.Channels;
using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Sessions;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Transcription;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Http;

/// <summary>
/// The device WebSockets (<c>/ws_omi</c>, <c>/ws_pcm</c>, <c>/ws</c>) and the session API. Ownership:
/// a session runs inside the request's task, in a TaskGroup nested under the requests group; the
/// request returns only after that group has finished, the WebSocket is disposed, the HTTP response
/// aborted (on Linux a WebSocket's Abort alone leaves the TCP connection open) and the registry
/// entry removed.
/// </summary>
internal sealed class DeviceEndpoints(
    SessionRegistry registry,
    ConversationStore conversations,
    JobStore jobs,
    SessionSettings settings,
    AudioObserver? observer,
    TranscriptionScheduler? scheduler,
    Func<bool> serverStopping,
    Func<IPEndPoint, Task> deliverWritten,
    Log log)
{
    public void Map(Router router)
    {
        // Access.User: authentication happens before the upgrade is accepted (?token= is allowed on upgrades).
        router.MapGet("/ws_omi", c => ConnectAsync(c, DeviceProtocol.Omi));
        router.MapGet("/ws_pcm", c => ConnectAsync(c, DeviceProtocol.Pcm));
        router.MapGet("/ws", c => ConnectAsync(c, DeviceProtocol.Legacy));
        router.MapGet("/api/clients/active", ActiveClientsAsync);
        router.MapPost("/api/conversations/{client_id}/close", CloseConversationAsync);
    }

    private async Task ConnectAsync(RequestContext context, DeviceProtocol protocol)
    {
        if (!context.Request.IsWebSocketRequest)
        {
            throw new HttpError(400, "This endpoint takes a WebSocket upgrade.");
        }

        WebSocketHandshake.Check(context.Request);

        if (settings.Disk is { IsLow: true } disk)
        {
            disk.CountRefused();
            throw new HttpError(507, disk.Refusal) { Headers = new Dictionary<string, string> { ["Retry-After"] = "60" } };
        }

        var user = context.CurrentUser;
        var deviceName = context.Request.QueryString["device_name"];
        var entry = registry.TryRegister(user.Id, deviceName, context.Request.Url!.AbsolutePath, user.TokenVersion)
            ?? throw new HttpError(503, $"The server already holds its maximum of {registry.MaxSessions} device sessions; try again later.")
            {
                Headers = new Dictionary<string, string> { ["Retry-After"] = "5" },
            };
        try
        {
            TaskGroup group;
            try
            {
                group = new TaskGroup($"session {entry.ClientId}", context.Group!);
                entry.Group = group;
            }
            catch (InvalidOperationException)
            {
                throw new HttpError(503, "The server is shutting down.");
            }

            try
            {
                await RunSessionAsync(context, entry, protocol, group);
            }
            finally
            {
                // Whatever happened, the session group completes before the registry forgets the client.
                await group.DisposeQuietlyAsync();
            }
        }
        finally
        {
            registry.Remove(entry);
        }
    }

    /// <summary>Accepts the upgrade and runs the session's tasks in <paramref name="group"/>.</summary>
    private async Task RunSessionAsync(RequestContext context, SessionEntry entry, DeviceProtocol protocol, TaskGroup group)
    {
        HttpListenerWebSocketContext accepted;
        try
        {
            accepted = await context.ListenerContext.AcceptWebSocketAsync(subProtocol: null, receiveBufferSize: 16 * 1024, keepAliveInterval: TimeSpan.FromSeconds(30));
        }
        catch (Exception ex) when (ex is WebSocketException or HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The device went away during the handshake: nothing was started, nothing to clean.
            log.Info("session", "upgrade failed", ("client", entry.ClientId), ("reason", Reasons.Of(ex)));
            context.ListenerContext.Response.Abort();
            return;
        }

        var socket = accepted.WebSocket;
        try
        {
            using var session = new ClientSession(entry, socket, protocol, settings, conversations, observer, scheduler, serverStopping, log);
            try
            {
                await conversations.TouchClientAsync(entry.UserId, entry.ClientId, entry.DeviceName, entry.ConnectedAt, CancellationToken.None);
                log.Info("session", "connected", ("client", entry.ClientId), ("user", entry.UserId), ("endpoint", entry.Protocol), ("remote", context.RemoteAddress));
                entry.Session = session;
                await session.RunAsync(group);
            }
            catch (Exception ex)
            {
                // Already logged by the group as it happened; the session has fully ended either way.
                log.Warn("session", "ended after a failure", ("client", entry.ClientId), ("error", ex.GetType().Name));
            }
            finally
            {
                await group.DisposeQuietlyAsync();
                entry.Session = null;
            }

            await conversations.TouchClientAsync(entry.UserId, entry.ClientId, entry.DeviceName, DateTimeOffset.UtcNow, CancellationToken.None);
            log.Info("session", "disconnected", ("client", entry.ClientId), ("frames", session.FramesReceived), ("bytes", session.BytesReceived),
                ("conversations", session.Recorder.ConversationsClosed), ("corrupt_packets", session.Recorder.CorruptPackets));
        }
        finally
        {
            if (context.Peer is { } peer)
            {
                // Disposing the socket closes the host's side, and with the device's frames still unread
                // that is a reset, which discards what the relay has not read yet: the close frame first.
                await deliverWritten(peer);
            }

            socket.Dispose();
            context.ListenerContext.Response.Abort();
        }
    }

    private async Task ActiveClientsAsync(RequestContext context)
    {
        var sessions = registry.List(AccessPolicy.OwnerFilter(context.CurrentUser));
        var clients = await ActiveClient.ListAsync(sessions, jobs, context.CancellationToken);
        await context.WriteJsonAsync(200, new ActiveClientsResponse(clients, clients.Count), HttpJsonContext.Default.ActiveClientsResponse);
    }

    private async Task CloseConversationAsync(RequestContext context)
    {
        var clientId = context.Route("client_id");
        var entry = registry.Find(clientId);
        if (entry is null || !AccessPolicy.CanSee(context.CurrentUser, entry.UserId) || entry.Session is not { } session)
        {
            throw new HttpError(404, $"No active client '{clientId}'.");
        }

        string? closed;
        try
        {
            closed = await session.CloseConversationAsync(context.CancellationToken);
        }
        catch (Exception ex) when (ex is ChannelClosedException or ObjectDisposedException or TimeoutException)
        {
            throw new HttpError(409, $"Client '{clientId}' is disconnecting; its conversation closes with it.");
        }

        var message = closed is null ? $"Client '{clientId}' had no open conversation." : $"Closed the current conversation of client '{clientId}'.";
        await context.WriteJsonAsync(200, new CloseConversationResponse(message, clientId, closed is not null, closed), HttpJsonContext.Default.CloseConversationResponse);
    }
}
