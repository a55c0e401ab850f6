namespace FriendLite.Edge.Audio;

/// <summary>A PCM stream's shape as Wyoming describes it: samples per second, bytes per sample, channels.</summary>
internal sealed record AudioFormat(int Rate, int Width, int Channels)
{
    /// <summary>What the server stores and transcribes: 16 kHz mono signed 16-bit.</summary>
    public static AudioFormat Speech { get; } = new(16000, 2, 1);

    public int BytesPerFrame => Width * Channels;

    /// <summary>Null when the server can convert this format, else a sentence saying what is wrong.</summary>
    public string? Problem() => this switch
    {
        { Rate: < 8000 or > 192000 } => $"sample rate {Rate} Hz is not supported (8000 to 192000)",
        { Width: < 1 or > 4 } => $"sample width {Width} bytes is not supported (1, 2, 3 or 4)",
        { Channels: < 1 or > 8 } => $"{Channels} channels are not supported (1 to 8)",
        _ => null,
    };

    public override string ToString() => $"{Rate} Hz, {Width * 8}-bit, {Channels} ch";
}
