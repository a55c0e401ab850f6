using System.Net;
using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Http;

/// <summary>One HTTP request as a handler sees it: the listener context, route values and the request's token.</summary>
internal sealed class RequestContext(HttpListenerContext listenerContext, IReadOnlyDictionary<string, string> routeValues, CancellationToken cancellationToken)
{
    public HttpListenerContext ListenerContext { get; } = listenerContext;

    public HttpListenerRequest Request => ListenerContext.Request;

    public HttpListenerResponse Response => ListenerContext.Response;

    public IReadOnlyDictionary<string, string> RouteValues { get; } = routeValues;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>The group this request runs in: long-lived work it starts (a device session) nests under it.</summary>
    public TaskGroup? Group { get; init; }

    /// <summary>The signed-in user; set by the host before any route that is not anonymous runs.</summary>
    public User? User { get; set; }

    /// <summary>The signed-in user of a route that requires one.</summary>
    public User CurrentUser => User ?? throw new InvalidOperationException("This route was mapped as anonymous.");

    /// <summary>Who connected, as the connection gate saw it (the host itself only ever sees the gate's loopback relay).</summary>
    public IPEndPoint? Peer { get; init; }

    /// <summary>The client's address, for rate limits and logs.</summary>
    public string RemoteAddress => Peer?.Address.ToString() ?? "unknown";

    /// <summary>True once a handler has started a response (headers can no longer change).</summary>
    public bool ResponseStarted { get; private set; }

    public string Route(string name) => RouteValues[name];

    /// <summary>
    /// JSON as people read it with curl: an apostrophe stays <c>'</c> and accented text stays as it
    /// is (the default encoder writes <c>\u0027</c> and <c>\u00E9</c>). That encoder escapes
    /// HTML-sensitive characters for JSON pasted into a page; these bodies are only ever served as
    /// <c>application/json</c>, and quotes, backslashes and control characters are still escaped.
    /// </summary>
    private static readonly JsonWriterOptions s_personReadable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public async Task WriteJsonAsync<T>(int status, T value, JsonTypeInfo<T> typeInfo)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, s_personReadable))
        {
            JsonSerializer.Serialize(writer, value, typeInfo);
        }

        var body = buffer.WrittenMemory;
        ResponseStarted = true;
        Response.StatusCode = status;
        Response.ContentType = "application/json; charset=utf-8";
        Response.ContentLength64 = body.Length;
        if (Request.HttpMethod != "HEAD")
        {
            await Response.OutputStream.WriteAsync(body, CancellationToken);
        }
    }

    /// <summary>
    /// A body of bytes as it is (a page, a script, an encoded variant of one) with the headers given.
    /// Content-Length is always the body's; HEAD and 304 get the headers alone. For a 304, give the
    /// body a 200 would have carried: the listener always sends a length, and RFC 9110 (8.6) allows
    /// only that one there.
    /// </summary>
    public async Task WriteBytesAsync(int status, string? contentType, ReadOnlyMemory<byte> body, IEnumerable<KeyValuePair<string, string>> headers)
    {
        ResponseStarted = true;
        Response.StatusCode = status;
        foreach (var (name, value) in headers)
        {
            Response.AddHeader(name, value);
        }

        if (contentType is not null)
        {
            Response.ContentType = contentType;
        }

        Response.ContentLength64 = body.Length;
        if (Request.HttpMethod != "HEAD" && status != 304 && body.Length > 0)
        {
            await Response.OutputStream.WriteAsync(body, CancellationToken);
        }
    }

    /// <summary>An error in FastAPI's shape (<c>{"detail": "..."}</c>), which Friend-Lite's clients already parse.</summary>
    public Task WriteErrorAsync(int status, string detail) =>
        WriteJsonAsync(status, new ErrorResponse(detail), HttpJsonContext.Default.ErrorResponse);
}
