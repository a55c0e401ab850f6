using FriendLite.Edge.Http.Auth;
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

    /// <summary>A file holding the JWT signing secret; null means FRIENDLITE_AUTH_SECRET or the data directory's.</summary>
    public string? AuthSecretFile { get; init; }

    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>The first administrator, created at start when no admin exists.</summary>
    public AdminAccount? Admin { get; init; }

    /// <summary>PBKDF2 iterations for new password hashes (tests lower it; users cannot).</summary>
    public int PasswordIterations { get; init; } = PasswordHasher.DefaultIterations;

    /// <summary>Failed logins allowed per remote address per minute.</summary>
    public int LoginFailuresPerMinute { get; init; } = 10;
}

internal sealed record AdminAccount(string Email, string Password)
{
    public override string ToString() => $"AdminAccount {{ Email = {Email} }}"; // never print the password
}
