using System.Net;
using System.Net.Sockets;
using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Connections;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Http;

/// <summary>
/// The HttpListener host, behind the connection gate. It listens on a loopback port of its own and
/// serves only what the gate relays: a request without the gate's peer stamp (a local program
/// connecting to that port directly) is refused. Ownership: the accept loop is a child of the
/// server's root group, and every request runs as a child of the <c>requests</c> group it is
/// given; the host itself only owns the listener, which <see cref="Stop"/> closes.
/// </summary>
internal sealed class HttpHost
{
    private readonly HttpListener _listener;
    private readonly Router _router;
    private readonly AccessPolicy _accessPolicy;
    private readonly PeerStamp _peer;
    private readonly Log _log;

    private HttpHost(HttpListener listener, Router router, AccessPolicy accessPolicy, PeerStamp peer, Log log, IPEndPoint endPoint)
    {
        _listener = listener;
        _router = router;
        _accessPolicy = accessPolicy;
        _peer = peer;
        _log = log;
        EndPoint = endPoint;
    }

    /// <summary>The loopback endpoint the gate relays to.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Starts listening on a free loopback port (retrying when another program takes it first).</summary>
    public static HttpHost Start(Router router, AccessPolicy accessPolicy, PeerStamp peer, Log log)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreeLoopbackPort();
            var listener = new HttpListener { IgnoreWriteExceptions = true };
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return new HttpHost(listener, router, accessPolicy, peer, log, new IPEndPoint(IPAddress.Loopback, port));
            }
            catch (Exception ex) when (ex is HttpListenerException or SocketException)
            {
                listener.Close();
                if (attempt == 5)
                {
                    throw new StartupException($"Cannot listen on a loopback port for the HTTP host ({Reasons.Of(ex)}).", ex);
                }
            }
        }
    }

    /// <summary>Accepts until <see cref="Stop"/>; each request becomes a child of <paramref name="requests"/>.</summary>
    public async Task AcceptLoopAsync(TaskGroup requests)
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }
            catch (HttpListenerException ex)
            {
                _log.Debug("http", "accept failed", ("reason", Reasons.Of(ex)));
                continue;
            }

            try
            {
                requests.Spawn($"{context.Request.HttpMethod} {context.Request.Url?.AbsolutePath}", ct => HandleAsync(context, requests, ct));
            }
            catch (InvalidOperationException)
            {
                // The server is stopping: refuse rather than start work nobody will await.
                await RefuseAsync(context);
            }
            catch (Exception ex)
            {
                // One request's fault is that request's alone: the accept loop goes on.
                _log.Exception(LogLevel.Warn, "http", "could not start a request", ex);
                CloseQuietly(context.Response);
            }
        }
    }

    public void Stop()
    {
        if (_listener.IsListening)
        {
            _listener.Stop();
        }

        try
        {
            _listener.Close();
        }
        catch (HttpListenerException)
        {
            // The managed listener's Close after Stop looks its port up again (and binds it to find
            // it); when another socket has taken the port since, that fails. Stop already released
            // everything, so there is nothing left to close, and a stop must not fail on it.
        }
    }

    /// <summary>
    /// One request, as a child of the requests group. It never throws: a fault in one request is
    /// logged and answered (500, or nothing when the connection is gone) and stays in that request,
    /// so it cannot cancel the group that every other request and device session lives in.
    /// </summary>
    private async Task HandleAsync(HttpListenerContext listenerContext, TaskGroup group, CancellationToken cancellationToken)
    {
        try
        {
            await ServeAsync(listenerContext, group, cancellationToken);
        }
        catch (Exception ex)
        {
            _log.Exception(LogLevel.Error, "http", "a request failed outside its handler", ex);
            CloseQuietly(listenerContext.Response);
        }
    }

    private async Task ServeAsync(HttpListenerContext listenerContext, TaskGroup group, CancellationToken cancellationToken)
    {
        var request = listenerContext.Request;
        var path = request.Url?.AbsolutePath ?? "/";
        var match = _router.Match(request.HttpMethod, path);
        var peer = _peer.Read(request.Headers[PeerStamp.Field]);
        var context = new RequestContext(listenerContext, match.Values, cancellationToken) { Group = group, Peer = peer };
        try
        {
            if (peer is null)
            {
                throw new HttpError(403, "This port is the server's internal one: connect to the port the server was started with.");
            }

            if (match.Handler is not null)
            {
                if (match.Access != Access.Anonymous)
                {
                    context.User = await _accessPolicy.AuthorizeAsync(request, match.Access, cancellationToken);
                }

                await match.Handler(context);
            }
            else if (match.AllowedMethods.Count > 0)
            {
                context.Response.AddHeader("Allow", string.Join(", ", match.AllowedMethods.Distinct()));
                await context.WriteErrorAsync(405, $"Method {request.HttpMethod} is not allowed on {path}.");
            }
            else
            {
                await context.WriteErrorAsync(404, $"No route for {request.HttpMethod} {path}.");
            }
        }
        catch (HttpError refusal)
        {
            if (!refusal.Logged)
            {
                _log.Refusal(LogLevel.Info, $"http {refusal.Status} {context.RemoteAddress}", "http", "refused", ("status", refusal.Status), ("method", request.HttpMethod),
                    ("path", path), ("remote", context.RemoteAddress), ("user", context.User?.Id), ("reason", refusal.Message));
            }

            foreach (var (name, value) in refusal.Headers)
            {
                context.Response.AddHeader(name, value);
            }

            await TryWriteErrorAsync(context, refusal.Status, refusal.Message);
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
        {
            _log.Debug("http", "client went away", ("method", request.HttpMethod), ("path", path), ("reason", Reasons.Of(ex)));
            listenerContext.Response.Abort(); // an empty "200" would be a lie to a client that is only half gone
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await TryWriteErrorAsync(context, 503, "The server is shutting down.");
        }
        catch (Exception ex)
        {
            _log.Exception(LogLevel.Error, "http", $"{request.HttpMethod} {path} failed", ex);
            await TryWriteErrorAsync(context, 500, "Internal server error.");
        }
        finally
        {
            CloseQuietly(listenerContext.Response);
        }
    }

    private async Task TryWriteErrorAsync(RequestContext context, int status, string detail)
    {
        if (context.ResponseStarted)
        {
            return;
        }

        try
        {
            if (context.Request.IsWebSocketRequest)
            {
                // A refused upgrade ends its connection: the gate relays the bytes after an upgrade unparsed.
                context.Response.KeepAlive = false;
            }

            await new RequestContext(context.ListenerContext, context.RouteValues, CancellationToken.None).WriteErrorAsync(status, detail);
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            _log.Debug("http", "could not send error response", ("reason", Reasons.Of(ex)));
        }
    }

    private async Task RefuseAsync(HttpListenerContext listenerContext)
    {
        try
        {
            listenerContext.Response.KeepAlive = false;
            await TryWriteErrorAsync(new RequestContext(listenerContext, new Dictionary<string, string>(), CancellationToken.None), 503, "The server is shutting down.");
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            _log.Debug("http", "could not refuse a request", ("reason", Reasons.Of(ex)));
        }

        CloseQuietly(listenerContext.Response);
    }

    private static void CloseQuietly(HttpListenerResponse response)
    {
        try
        {
            response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection is already gone; nothing is left to release.
        }
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
