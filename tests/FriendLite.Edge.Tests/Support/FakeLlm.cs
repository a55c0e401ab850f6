using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace FriendLite.Edge.Tests.Support;

/// <summary>
/// A small OpenAI-compatible chat server: HTTP/1.1 on 127.0.0.1, one request per connection,
/// answered from a script (in order; past its end, 500) or by a responder that reads the request
/// like a model would. Records every request. Answers can be chat completions, any status, late,
/// or never (the connection is then held until the client closes it, which
/// <see cref="ClosedByClient"/> reports). Every connection task is awaited on dispose.
/// </summary>
internal sealed class FakeLlm : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<LlmRequest, Answer> _responder;
    private readonly List<LlmRequest> _requests = [];
    private readonly List<Task> _handlers = [];
    private readonly TaskCompletionSource _received = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closedByClient = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    private FakeLlm(Func<LlmRequest, Answer> responder) => _responder = responder;

    /// <summary>The base URL, as a user would give it to <c>--llm-url</c>.</summary>
    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public IReadOnlyList<LlmRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Completes when the first request has been read.</summary>
    public Task Received => _received.Task;

    /// <summary>Completes when the client closed a connection whose request was never answered.</summary>
    public Task ClosedByClient => _closedByClient.Task;

    /// <summary>Answers the requests in the script's order; requests past its end get a 500.</summary>
    public static FakeLlm Start(params Answer[] script)
    {
        var next = 0;
        return Start(_ => Interlocked.Increment(ref next) - 1 is var i && i < script.Length ? script[i] : Answer.Status(500, """{"error":"script exhausted"}"""));
    }

    public static FakeLlm Start(Func<LlmRequest, Answer> responder)
    {
        var server = new FakeLlm(responder);
        server._listener.Start();
        server._loop = server.AcceptAsync();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await Quietly(_loop);
        Task[] handlers;
        lock (_requests)
        {
            handlers = [.. _handlers];
        }

        foreach (var handler in handlers)
        {
            await Quietly(handler);
        }

        _stop.Dispose();
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            lock (_requests)
            {
                _handlers.Add(ServeAsync(client));
            }
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var owned = client;
        var stream = client.GetStream();
        var request = await ReadRequestAsync(stream, _stop.Token);
        if (request is null)
        {
            return;
        }

        lock (_requests)
        {
            _requests.Add(request);
        }

        _received.TrySetResult();
        var answer = _responder(request);
        if (answer.Never)
        {
            // Held open until the client gives up: a read returning 0 (or a reset) is its close.
            try
            {
                while (await stream.ReadAsync(new byte[256], _stop.Token) > 0)
                {
                }
            }
            catch (IOException)
            {
            }

            _closedByClient.TrySetResult();
            return;
        }

        await Task.Delay(answer.Delay, _stop.Token);
        var body = Encoding.UTF8.GetBytes(answer.Body);
        var head = $"HTTP/1.1 {answer.Code} {(answer.Code == 200 ? "OK" : "Status")}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
            await stream.WriteAsync(body, _stop.Token);
        }
        catch (IOException)
        {
            // The client gave up waiting (a timeout): nobody reads the late answer.
        }
    }

    /// <summary>A request line, headers and a Content-Length body; null when the client closed first.</summary>
    private static async Task<LlmRequest?> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var bytes = new List<byte>();
        var buffer = new byte[8192];
        int headEnd;
        while ((headEnd = IndexOfBlankLine(bytes)) < 0)
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return null;
            }

            bytes.AddRange(buffer.AsSpan(0, read));
        }

        var lines = Encoding.ASCII.GetString([.. bytes.Take(headEnd)]).Split("\r\n");
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        var length = headers.TryGetValue("Content-Length", out var value) ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        while (bytes.Count < headEnd + 4 + length)
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return null;
            }

            bytes.AddRange(buffer.AsSpan(0, read));
        }

        var parts = lines[0].Split(' ');
        return new LlmRequest(parts[0], parts[1], headers, Encoding.UTF8.GetString([.. bytes.Skip(headEnd + 4).Take(length)]));
    }

    private static int IndexOfBlankLine(List<byte> bytes)
    {
        for (var i = 0; i + 3 < bytes.Count; i++)
        {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>One scripted answer: a status and body after a delay, or never.</summary>
    internal sealed record Answer(int Code, string Body, TimeSpan Delay, bool Never)
    {
        /// <summary>The connection is held without an answer until the client closes it.</summary>
        public static Answer Hang { get; } = new(0, "", TimeSpan.Zero, Never: true);

        /// <summary>A 200 chat completion whose <c>choices[0].message.content</c> is <paramref name="content"/>.</summary>
        public static Answer Chat(string content) => new(200, $$"""
            {"id":"chatcmpl-1","object":"chat.completion","model":"test-model","choices":[{"index":0,"message":{"role":"assistant","content":"{{JsonEncodedText.Encode(content)}}"},"finish_reason":"stop"}]}
            """, TimeSpan.Zero, Never: false);

        public static Answer Status(int code, string body = "") => new(code, body, TimeSpan.Zero, Never: false);

        /// <summary>This answer, sent only after <paramref name="delay"/>.</summary>
        public Answer After(TimeSpan delay) => this with { Delay = delay };
    }
}

/// <summary>A request the fake received; the chat fields are read from its JSON body.</summary>
internal sealed record LlmRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public JsonElement Json
    {
        get
        {
            using var document = JsonDocument.Parse(Body);
            return document.RootElement.Clone();
        }
    }

    public string SystemPrompt => Json.GetProperty("messages")[0].GetProperty("content").GetString()!;

    public string UserPrompt => Json.GetProperty("messages")[1].GetProperty("content").GetString()!;
}
