namespace FriendLite.Edge.Memory;

/// <summary>
/// What the LLM client could not do, as one phrase a person can act on (no full stop, so it reads
/// after a colon), and whether trying again later may succeed: a server that is down, slow or
/// answering nonsense may recover (<see cref="Transient"/>); a refused request (401, 404: a wrong
/// key, URL or model) will not until someone changes the settings. Never carries the API key.
/// </summary>
internal sealed class LlmException : Exception
{
    public LlmException(string message, bool transient, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Transient = transient;
        RetryAfter = retryAfter;
    }

    public LlmException()
    {
    }

    public LlmException(string message)
        : base(message)
    {
    }

    public LlmException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>True when the same call may succeed later without anyone changing a setting.</summary>
    public bool Transient { get; }

    /// <summary>When the circuit breaker is open: how long until the endpoint is tried again.</summary>
    public TimeSpan? RetryAfter { get; }
}
