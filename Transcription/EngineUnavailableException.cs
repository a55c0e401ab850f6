namespace FriendLite.Edge.Transcription;

/// <summary>
/// The engine is not taking work for a while (a remote server's circuit breaker is open). Not the
/// segment's fault: the scheduler keeps the segment as a job without spending one of its attempts
/// and lets the worker rest for <see cref="RetryAfter"/>.
/// </summary>
internal sealed class EngineUnavailableException : IOException
{
    public EngineUnavailableException(string message, TimeSpan retryAfter)
        : base(message)
    {
        RetryAfter = retryAfter;
    }

    public EngineUnavailableException()
    {
    }

    public EngineUnavailableException(string message)
        : base(message)
    {
    }

    public EngineUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public TimeSpan RetryAfter { get; }
}
