using FriendLite.Edge.Sessions;

namespace FriendLite.Edge.Http;

/// <summary>The server's settings, parsed once from flags and environment and then immutable.</summary>
internal sealed record ServerOptions(
    string Host,
    int Port,
    string DataDirectory,
    LogLevel LogLevel,
    bool Offline,
    TimeSpan ShutdownTimeout)
{
    public string Address => $"http://{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port}";
}
