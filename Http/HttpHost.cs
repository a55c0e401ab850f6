using System.Net;
using System.Net.Sockets;
using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Http;

/// <summary>
/// The HttpListener host. Ownership: the accept loop is a child of the server's root group, and
/// every request runs as a child of the <c>requests</c> group it is given; the host itself only
/// owns the listener, which <see cref="Stop"/> closes (ending the accept loop).
/// </summary>
internal sealed class HttpHost
{
    private readonly HttpListener _listener;
    private readonly Router _router;
    private readonly AccessPolicy _accessPolicy;
    private readonly Log _log;

    private HttpHost(HttpListener listener, Router router, AccessPolicy accessPolicy, Log log, string host, int port)
    {
        _listener = listener;
        _router = router;
        _accessPolicy = accessPolicy;
        _log = log;
        Host = host;
        Port = port;
    }

    public string Host { get; }

    public int Port { get; }

    /// <summary>Starts listening, or throws a <see cref="StartupException"/> naming the port when it is taken.</summary>
    public static HttpHost Start(string host, int port, Router router, AccessPolicy accessPolicy, Log log)
    {
        var listener = new HttpListener { IgnoreWriteExceptions = true };
        foreach (var prefix in Prefixes(host, port))
        {
            listener.Prefixes.Add(prefix);
        }

        try
        {
            listener.Start();
        }
        catch (Exception ex) when (ex is HttpListenerException or SocketException)
        {
            listener.Close();
            // Another process holding the port gives EADDRINUSE; another listener in this process, a prefix conflict.
            var inUse = ex is HttpListenerException { ErrorCode: 98 or 183 or 10048 } || ex is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }
                || ex.Message.Contains("in use", StringComparison.OrdinalIgnoreCase)
                || ex.Message.Contains("conflicts with an existing registration", StringComparison.OrdinalIgnoreCase);
            throw new StartupException(
                inUse
                    ? $"Port {port} on {host} is already in use by another program: stop it or choose another port with --port."
                    : $"Cannot listen on {host}:{port} ({ex.Message.TrimEnd('.')}): check --host and --port.",
                ex);
        }

        return new HttpHost(listener, router, accessPolicy, log, host, port);
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
                _log.Debug("http", "accept failed", ("reason", ex.Message));
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

        _listener.Close();
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
        var context = new RequestContext(listenerContext, match.Values, cancellationToken) { Group = group };
        try
        {
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
            _log.Info("http", "refused", ("status", refusal.Status), ("method", request.HttpMethod), ("path", path),
                ("remote", context.RemoteAddress), ("user", context.User?.Id), ("reason", refusal.Message));
            foreach (var (name, value) in refusal.Headers)
            {
                context.Response.AddHeader(name, value);
            }

            await TryWriteErrorAsync(context, refusal.Status, refusal.Message);
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
        {
            _log.Debug("http", "client went away", ("method", request.HttpMethod), ("path", path), ("reason", ex.Message));
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
            await new RequestContext(context.ListenerContext, context.RouteValues, CancellationToken.None).WriteErrorAsync(status, detail);
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            _log.Debug("http", "could not send error response", ("reason", ex.Message));
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
            _log.Debug("http", "could not refuse a request", ("reason", ex.Message));
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

    private static IEnumerable<string> Prefixes(string host, int port)
    {
        if (host is "0.0.0.0" or "*" or "+" or "::" or "[::]")
        {
            yield return $"http://*:{port}/";
            yield break;
        }

        var literal = IPAddress.TryParse(host, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{host}]" : host;
        yield return $"http://{literal}:{port}/";
        if (host == "127.0.0.1")
        {
            yield return $"http://localhost:{port}/";
        }
    }
}
