using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Memory;

/// <summary>
/// The online extractor's client of an OpenAI-compatible <c>/v1/chat/completions</c> endpoint
/// (Ollama, llama.cpp's server, vLLM, OpenAI). Ownership: it owns one <see cref="HttpClient"/>
/// for its lifetime; every call's request and connection end before the call returns, whether
/// it succeeds, fails, times out or is cancelled. A call is tried up to
/// <see cref="LlmOptions.Attempts"/> times with backoff when the failure may pass (a timeout, a
/// connection error, 429, 5xx, content that is not JSON), once when the server refuses (400,
/// 401, 404: settings to fix); a circuit breaker stops calling an endpoint that keeps failing.
/// What it cannot do is an <see cref="LlmException"/>; <see cref="OperationCanceledException"/>
/// only when the caller's token was cancelled (shutdown), never for a timeout.
/// </summary>
internal sealed partial class LlmClient : ILanguageModel, IDisposable
{
    private const string Component = "llm";
    private const int MaxAnswerBytes = 4 << 20;

    private readonly LlmOptions _options;
    private readonly Uri _endpoint;
    private readonly string _where;
    private readonly HttpClient _http;
    private readonly CircuitBreaker _breaker;
    private readonly TimeProvider _time;
    private readonly Log _log;
    private readonly TimeSpan _connectTimeout;
    private string? _lastFailure; // the reason the breaker opened, for the calls it refuses

    public LlmClient(LlmOptions options, Log log, TimeProvider? time = null)
    {
        options.Validate();
        _options = options;
        _endpoint = options.Endpoint;
        _where = _endpoint.GetLeftPart(UriPartial.Authority); // no path, query or user info in what is logged
        _time = time ?? TimeProvider.System;
        _log = log;
        _breaker = new CircuitBreaker(options.BreakerThreshold, options.BreakerCooldown, _time) { Name = "llm" };
        _connectTimeout = options.Timeout < TimeSpan.FromSeconds(15) ? options.Timeout : TimeSpan.FromSeconds(15); // a LAN host that does not accept in 15 s is down
        var handler = new SocketsHttpHandler
        {
            // The LLM is usually on the LAN: a proxy set for the internet (HTTP_PROXY) must not carry transcripts elsewhere.
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectTimeout = _connectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Its circuit breaker, for <c>/metrics</c>.</summary>
    public CircuitBreaker Breaker => _breaker;

    /// <summary>Told when a call is tried and when it answers: the extraction worker's heartbeat (a long LLM call that is retried is not stuck).</summary>
    public Action? Progress { get; init; }

    /// <summary>The chat-completions URL this client posts to.</summary>
    public Uri Endpoint => _endpoint;

    /// <summary>The server and model, without path or credentials: "http://ollama:11434 (llama3.1:8b)".</summary>
    public string Describe => $"{_where} ({_options.Model})";

    public void Dispose() => _http.Dispose();

    /// <summary>One chat call, tried again while the failure may pass; <paramref name="read"/> turns the content into the answer or throws <see cref="InvalidDataException"/> (a failed try).</summary>
    private async Task<T> CallAsync<T>(string system, string user, Func<string, T> read, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new ChatRequest(_options.Model, [new ChatMessage("system", system), new ChatMessage("user", user)], 0.1, new ChatResponseFormat("json_object"), Stream: false),
            LlmJsonContext.Readable.ChatRequest);
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_breaker.Blocked() is { } wait)
            {
                throw new LlmException(
                    $"the LLM at {_where} failed {_options.BreakerThreshold} times in a row{(Volatile.Read(ref _lastFailure) is { } last ? $" (last: {last})" : "")}; it is not tried again for {Math.Ceiling(wait.TotalSeconds):0} s",
                    transient: true,
                    wait);
            }

            Progress?.Invoke();
            var (content, failure) = await AttemptAsync(body, cancellationToken);
            Progress?.Invoke();
            if (content is not null)
            {
                try
                {
                    var answer = read(content);
                    _breaker.Succeeded();
                    return answer;
                }
                catch (Exception ex) when (ex is InvalidDataException or InvalidOperationException)
                {
                    failure = new Failure($"the LLM at {_where} answered without usable JSON ({ex.Message})", Retry: true);
                }
            }

            // A failure seen while the caller is cancelling (shutdown) is the cancellation, not the endpoint's fault.
            cancellationToken.ThrowIfCancellationRequested();
            if (!failure!.Retry)
            {
                throw new LlmException(failure.Reason, transient: false);
            }

            _breaker.Failed();
            Volatile.Write(ref _lastFailure, failure.Reason);
            if (attempt >= _options.Attempts)
            {
                throw new LlmException($"{failure.Reason} ({attempt} {(attempt == 1 ? "try" : "tries")})", transient: true);
            }

            var backoff = _options.Backoff[Math.Min(attempt - 1, _options.Backoff.Count - 1)];
            _log.Warn(Component, "call failed, trying again", ("attempt", attempt), ("of", _options.Attempts), ("retry_in_s", backoff.TotalSeconds), ("reason", failure.Reason));
            await Task.Delay(backoff, _time, cancellationToken);
        }
    }

    /// <summary>One try: the content of <c>choices[0].message</c>, or why there is none.</summary>
    private async Task<(string? Content, Failure? Failure)> AttemptAsync(byte[] body, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (!string.IsNullOrEmpty(_options.ApiKey))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
            }

            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var answer = await ReadBoundedAsync(response.Content, timeout.Token);
            if (answer is null)
            {
                return (null, new Failure($"the LLM at {_where} answered with more than {MaxAnswerBytes >> 20} MB", Retry: true));
            }

            if (!response.IsSuccessStatusCode)
            {
                return (null, StatusFailure(response.StatusCode, answer));
            }

            var chat = JsonSerializer.Deserialize(answer, LlmJsonContext.Readable.ChatResponse);
            var content = chat?.Choices is [{ Message.Content: { } text }, ..] ? text : null;
            return content is null
                ? (null, new Failure($"the LLM at {_where} answered without a message (no choices[0].message.content)", Retry: true))
                : (content, null);
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("the caller stopped the LLM call", ex, cancellationToken);
            }

            return (null, new Failure(
                timeout.IsCancellationRequested ? $"the LLM at {_where} did not answer within {Seconds(_options.Timeout)} s"
                : ex is OperationCanceledException ? $"the LLM at {_where} could not be reached: no connection within {Seconds(_connectTimeout)} s" // the handler's ConnectTimeout
                : $"the LLM at {_where} could not be reached: {Reasons.Of(ex)}",
                Retry: true));
        }
        catch (JsonException ex)
        {
            return (null, new Failure($"the LLM at {_where} answered with something that is not a chat completion ({Reasons.Json(ex)}); check that --llm-url names an OpenAI-compatible server", Retry: true));
        }
    }

    /// <summary>429, 408 and 5xx may pass; any other status is a refusal that says which setting to check.</summary>
    private Failure StatusFailure(HttpStatusCode status, byte[] answer)
    {
        var code = (int)status;
        var detail = ErrorDetail(answer) is { } said ? $" ({said})" : "";
        if (code is 408 or 429 or >= 500)
        {
            return new Failure($"the LLM at {_where} answered HTTP {code}{detail}", Retry: true);
        }

        var hint = code switch
        {
            401 or 403 => "check the API key (--llm-api-key-file)",
            404 => $"check --llm-url and that the server has the model '{_options.Model}' (for Ollama: ollama pull {_options.Model})",
            _ => "check --llm-url and --llm-model",
        };
        return new Failure($"the LLM at {_where} refused the request: HTTP {code}{detail}; {hint}", Retry: false);
    }

    /// <summary>What the server said went wrong: <c>{"error": "..."}</c> (Ollama) or <c>{"error": {"message": "..."}}</c> (OpenAI), briefly.</summary>
    private static string? ErrorDetail(byte[] answer)
    {
        try
        {
            using var document = JsonDocument.Parse(answer);
            var error = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var e) ? e : default;
            var text = error.ValueKind switch
            {
                JsonValueKind.String => error.GetString(),
                JsonValueKind.Object when error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String => m.GetString(),
                _ => null,
            };
            text = text?.ReplaceLineEndings(" ").Trim();
            return string.IsNullOrEmpty(text) ? null : text.Length <= 200 ? text : text[..199] + "…";
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The whole answer, or null past <see cref="MaxAnswerBytes"/> (a chat answer is kilobytes; more is not one).</summary>
    private static async Task<byte[]?> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxAnswerBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Why one try failed, and whether another may succeed.</summary>
    private sealed record Failure(string Reason, bool Retry);
}
