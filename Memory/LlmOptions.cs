namespace FriendLite.Edge.Memory;

/// <summary>
/// Where and how the online extractor reaches an OpenAI-compatible chat endpoint (Ollama on the
/// home server, or any compatible URL). Parsed once from <c>--llm-*</c>, checked by
/// <see cref="Validate"/> at start-up, then immutable.
/// </summary>
internal sealed record LlmOptions(string Url, string Model)
{
    /// <summary>The bearer token, when the endpoint wants one (Ollama does not). Never logged.</summary>
    public string? ApiKey { get; init; }

    /// <summary>How long one call may take, from sending the request to the end of the answer.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>A transcript longer than this (in characters) is sent in parts, one call each; shorter ones in one call.</summary>
    public int MaxChars { get; init; } = 24_000;

    /// <summary>Tries per call, the first included; only failures that may pass (timeouts, connection errors, 429, 5xx, an unreadable answer) are tried again.</summary>
    public int Attempts { get; init; } = 3;

    /// <summary>The wait before the second, third... try; the last entry repeats.</summary>
    public IReadOnlyList<TimeSpan> Backoff { get; init; } = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(16)];

    /// <summary>Failed tries in a row (across calls) after which the endpoint is left alone for <see cref="BreakerCooldown"/>.</summary>
    public int BreakerThreshold { get; init; } = 5;

    public TimeSpan BreakerCooldown { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The chat-completions endpoint <see cref="Url"/> names (see <see cref="ChatEndpoint"/>).</summary>
    public Uri Endpoint => ChatEndpoint(Url);

    /// <summary>
    /// The endpoint for a base URL as people write it: <c>http://host:11434</c>,
    /// <c>http://host:11434/v1</c> or the full <c>.../v1/chat/completions</c> all name the same one.
    /// Throws <see cref="ArgumentException"/> with a sentence for the user when it is no http(s) URL.
    /// </summary>
    public static Uri ChatEndpoint(string url)
    {
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var parsed) || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps) || parsed.Host.Length == 0)
        {
            throw new ArgumentException($"--llm-url '{url}' is not an http:// or https:// address; give the server's base URL, e.g. http://localhost:11434 for Ollama.");
        }

        var path = parsed.AbsolutePath.TrimEnd('/');
        path = path.EndsWith("/chat/completions", StringComparison.OrdinalIgnoreCase) ? path
            : path.EndsWith("/v1", StringComparison.OrdinalIgnoreCase) ? path + "/chat/completions"
            : path + "/v1/chat/completions";
        return new UriBuilder(parsed) { Path = path, Query = "", Fragment = "" }.Uri;
    }

    /// <summary>Throws <see cref="ArgumentException"/> with one sentence for the user when a setting cannot work.</summary>
    public void Validate()
    {
        _ = Endpoint;
        if (string.IsNullOrWhiteSpace(Model))
        {
            throw new ArgumentException("--llm-model is empty; name the model the server should use, e.g. llama3.1:8b.");
        }

        if (Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("--llm-timeout must be longer than zero.");
        }

        if (MaxChars < 1000)
        {
            throw new ArgumentException($"--llm-max-chars {MaxChars} is too small to hold a conversation; give at least 1000.");
        }

        if (Attempts < 1 || BreakerThreshold < 1 || Backoff.Count == 0 || Backoff.Any(b => b < TimeSpan.Zero) || BreakerCooldown < TimeSpan.Zero)
        {
            throw new ArgumentException("the LLM's attempts, backoff and circuit breaker settings must be positive.");
        }
    }
}
