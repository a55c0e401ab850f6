namespace FriendLite.Edge.Diagnostics;

/// <summary>
/// A condition that stops the server from starting and that the user can fix (port in use,
/// unwritable data directory, corrupt database). The message is one sentence saying what to do;
/// commands print it without a stack trace and exit 1.
/// </summary>
internal sealed class StartupException : Exception
{
    public StartupException(string message)
        : base(message)
    {
    }

    public StartupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public StartupException()
    {
    }
}
