using FriendLite.Edge.Audio;

namespace FriendLite.Edge.Sessions;

/// <summary>What the receive loop (and the watchdog and API) hand to a session's pipeline, in order.</summary>
internal abstract record SessionMessage;

/// <summary>audio-start: a new stream (PCM carries its format).</summary>
internal sealed record AudioStartMessage(AudioFormat? Format) : SessionMessage;

/// <summary>One audio payload: an Opus packet, or PCM in <paramref name="Format"/>.</summary>
internal sealed record AudioPacketMessage(byte[] Payload, AudioFormat? Format) : SessionMessage;

/// <summary>audio-stop: the device ended the conversation.</summary>
internal sealed record AudioStopMessage : SessionMessage
{
    public static AudioStopMessage Instance { get; } = new();
}

/// <summary>The API asked to close the current conversation; completes with its id, or null when none was open.</summary>
internal sealed record CloseConversationMessage(TaskCompletionSource<string?> Done) : SessionMessage;

/// <summary>A watchdog tick: time for the conversation timer to look.</summary>
internal sealed record TickMessage : SessionMessage
{
    public static TickMessage Instance { get; } = new();
}
