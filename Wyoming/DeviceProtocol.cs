namespace FriendLite.Edge.Wyoming;

/// <summary>
/// Which of the three device endpoints a client speaks (PROTOCOL.md): the dialect the server's
/// sessions read and loadgen writes.
/// </summary>
internal enum DeviceProtocol
{
    /// <summary><c>/ws_omi</c>: Opus packets in Wyoming events.</summary>
    Omi,

    /// <summary><c>/ws_pcm</c>: PCM in Wyoming events, format from audio-start/audio-chunk.</summary>
    Pcm,

    /// <summary><c>/ws</c>: every binary frame is one bare Opus packet.</summary>
    Legacy,
}
