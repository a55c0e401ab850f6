using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Sessions;

/// <summary>Limits and timings of device sessions, fixed at start.</summary>
internal sealed record SessionSettings(string DataDirectory, TimeSpan IdleTimeout, TimeSpan ConversationTimeout)
{
    /// <summary>A Wyoming header (or its extra data) larger than this is refused with 1009.</summary>
    public int MaxHeaderBytes { get; init; } = 16 * 1024;

    /// <summary>The largest audio payload: 1 s of 48 kHz stereo 32-bit PCM is 384 KB; 256 KiB allows any sane chunk.</summary>
    public int MaxPayloadBytes { get; init; } = 256 * 1024;

    /// <summary>A bare Opus packet (/ws) is at most a few KB (120 ms at the highest bitrate).</summary>
    public int MaxOpusPacketBytes { get; init; } = 16 * 1024;

    /// <summary>This many corrupt Opus packets in a row close the session with 1007; fewer are counted and skipped.</summary>
    public int CorruptPacketRunLimit { get; init; } = 10;

    /// <summary>Messages between the receive loop and the pipeline: ~10 s of 20 ms frames; when full the receive loop waits (TCP pushes back on the device).</summary>
    public int ChannelCapacity { get; init; } = 512;

    /// <summary>
    /// Payload bytes between the receive loop and the pipeline. The channel counts messages, so 512
    /// of the largest payloads were 128 MiB per session; this bounds them at 1 MiB (32 s of 16 kHz
    /// speech), and the receive loop waits (TCP pushes back) while it is spent.
    /// </summary>
    public int MaxQueuedBytes { get; init; } = 1024 * 1024;

    /// <summary>How long to wait for a device's close reply before dropping the connection.</summary>
    public TimeSpan CloseGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How speech is cut into segments for transcription (and what counts as speech for the conversation timer).</summary>
    public VadSettings Vad { get; init; } = new();

    /// <summary>Silero (<c>--vad-model</c>) instead of the energy VAD; owned by the server.</summary>
    public SileroVadModel? Silero { get; init; }

    /// <summary>A new detector for one stream: Silero when a model is loaded, else energy-based.</summary>
    public ISpeechDetector CreateDetector() =>
        Silero is { } model ? new SileroVad(model, Vad) : new EnergyVad(Vad);

    /// <summary>Audio kept while waiting for speech after a timeout, put in front of the next conversation.</summary>
    public TimeSpan PreRoll { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the server's scheduler gives a departed session's segments before leaving the rest as jobs (the session itself does not wait).</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the watchdog checks idleness and the conversation timer.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The clock timeouts are measured with and conversations are stamped by (tests move it by hand).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How fast devices may send audio (<c>--max-realtime-factor</c>), a budget per account; null for no limit. Owned by the server.</summary>
    public RealtimeLimiter? Realtime { get; init; }

    /// <summary>The free space kept in the data directory (<c>--min-free-disk</c>); null for none. Owned by the server.</summary>
    public FreeSpaceWatcher? Disk { get; init; }

    /// <summary>Faults tests inject into the decoder and the WAV writer; null in the shipped server.</summary>
    public FaultHook? Faults { get; init; }

    /// <summary>What all sessions received and did, for <c>/metrics</c>. Owned by the server.</summary>
    public DeviceCounters Counters { get; init; } = new();
}

/// <summary>Observes the 16 kHz mono samples of a conversation as they are stored (the transcription segmenter's hook).</summary>
internal delegate void AudioObserver(string conversationId, long offsetSamples, ReadOnlySpan<short> samples);
