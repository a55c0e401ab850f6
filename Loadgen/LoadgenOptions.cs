using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Loadgen;

internal enum AudioCodec
{
    Opus,
    Pcm,
}

/// <summary>
/// The loadgen settings, parsed and validated once by <see cref="LoadgenCommand"/>, then immutable.
/// <see cref="Duration"/> null means each client plays the audio once; otherwise the audio loops
/// until that much wall time has passed. <see cref="Speed"/> 0 means no pacing at all.
/// </summary>
internal sealed record LoadgenOptions(
    Uri Url,
    string? Token,
    int Clients,
    string AudioPath,
    AudioCodec Codec,
    int FrameMs,
    double Speed,
    TimeSpan? Duration,
    double ChurnPerMinute,
    string DeviceNamePrefix)
{
    public const int SampleRate = 16000;

    /// <summary>How long a client waits for a connect, and for the server's answer to its close, before giving up.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public DeviceProtocol Protocol => ProtocolOf(Url) ?? throw new InvalidOperationException($"{Url} is not a device endpoint.");

    public bool UsesWyoming => Protocol != DeviceProtocol.Legacy;

    public int SamplesPerFrame => SampleRate * FrameMs / 1000;

    /// <summary>Wall time between two frames of one client; zero when unpaced.</summary>
    public TimeSpan FramePeriod => Speed > 0 ? TimeSpan.FromMilliseconds(FrameMs / Speed) : TimeSpan.Zero;

    /// <summary>The device name of client <paramref name="n"/> (1-based), as its <c>device_name</c> query parameter.</summary>
    public string DeviceName(int n) => $"{DeviceNamePrefix}-{n}";

    /// <summary>The URL client <paramref name="n"/> connects to: the given one plus <c>token</c> and <c>device_name</c>.</summary>
    public Uri ClientUrl(int n)
    {
        var query = Url.Query.TrimStart('?');
        var parts = new List<string>();
        if (query.Length > 0)
        {
            parts.Add(query);
        }

        if (!string.IsNullOrEmpty(Token))
        {
            parts.Add("token=" + Uri.EscapeDataString(Token));
        }

        parts.Add("device_name=" + Uri.EscapeDataString(DeviceName(n)));
        return new UriBuilder(Url) { Query = string.Join('&', parts) }.Uri;
    }

    /// <summary>The URL without its query, for logs and summaries: the token must not be printed.</summary>
    public string DisplayUrl => Url.GetLeftPart(UriPartial.Path);

    public static DeviceProtocol? ProtocolOf(Uri url) => url.AbsolutePath.TrimEnd('/') switch
    {
        var p when p.EndsWith("/ws_omi", StringComparison.Ordinal) => DeviceProtocol.Omi,
        var p when p.EndsWith("/ws_pcm", StringComparison.Ordinal) => DeviceProtocol.Pcm,
        var p when p.EndsWith("/ws", StringComparison.Ordinal) => DeviceProtocol.Legacy,
        _ => null,
    };

    public static AudioCodec DefaultCodec(DeviceProtocol protocol) =>
        protocol == DeviceProtocol.Pcm ? AudioCodec.Pcm : AudioCodec.Opus;
}
