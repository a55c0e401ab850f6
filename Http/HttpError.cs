namespace FriendLite.Edge.Http;

/// <summary>
/// A request the server refuses on purpose (bad input, missing rights, too large). The host answers
/// with <see cref="Status"/> and the message as <c>{"detail": ...}</c>, and logs it once.
/// </summary>
internal sealed class HttpError : Exception
{
    public HttpError(int status, string detail)
        : base(detail)
    {
        Status = status;
    }

    public HttpError()
    {
    }

    public HttpError(string message)
        : base(message)
    {
    }

    public HttpError(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Status { get; } = 400;

    /// <summary>True when whoever refused has logged it already: the host does not log it again.</summary>
    public bool Logged { get; init; }

    /// <summary>Extra response headers, such as Retry-After or WWW-Authenticate.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
}
