using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.HomeAssistant;

/// <summary>
/// The Wyoming speech-to-text server's settings (<c>serve --wyoming-listen HOST:PORT</c>): where it
/// listens, whether voice commands are kept, and its limits in time and space.
/// </summary>
internal sealed record SpeechServerOptions(string Host, int Port)
{
    /// <summary>Keep each voice command as a conversation (its audio and transcript); off by default: commands are not stored.</summary>
    public bool Store { get; init; }

    /// <summary>A connection that sends nothing for this long (between events or inside one) is closed: a half-open client holds nothing for long.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long one event may take to write; a client that does not read is closed after it.</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest voice command taken (its audio at 16 kHz); longer is refused with an error.</summary>
    public TimeSpan MaxCommand { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The most one event may carry.</summary>
    public WyomingLimits Limits { get; init; } = new();

    /// <summary>The name advertised over zeroconf (<c>_wyoming._tcp</c>); null advertises nothing.</summary>
    public string? ZeroconfName { get; init; }

    /// <summary>The instance name advertised: <c>friendlite-edge on HOST</c> (this machine's name), or <c>friendlite-edge</c> when that name cannot be one.</summary>
    public static string DefaultZeroconfName()
    {
        var name = $"friendlite-edge on {Environment.MachineName}";
        return ZeroconfAdvertiser.InstanceNameProblem(name) is null ? name : "friendlite-edge";
    }

    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
