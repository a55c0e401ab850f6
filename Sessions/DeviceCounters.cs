using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Sessions;

/// <summary>
/// What every device session has received and done since the server started, for <c>/metrics</c>.
/// Owned by the server and shared by its sessions through <see cref="SessionSettings.Counters"/>.
/// Counted per audio frame, so only with <see cref="Interlocked"/>: no lock and no allocation on
/// the audio path.
/// </summary>
internal sealed class DeviceCounters
{
    private readonly long[] _frames = new long[Codecs.Length];
    private readonly long[] _bytes = new long[Codecs.Length];
    private readonly long[] _dropped = new long[Codecs.Length];
    private readonly long[] _undecodable = new long[Codecs.Length];
    private readonly long[] _notStored = new long[Codecs.Length];
    private readonly long[] _violations = new long[ViolationCodes.Length + 1];
    private long _opened;
    private long _closed;

    /// <summary>The codecs audio arrives in: Opus (<c>/ws_omi</c>, <c>/ws</c>) and PCM (<c>/ws_pcm</c>).</summary>
    public static readonly string[] Codecs = ["opus", "pcm"];

    /// <summary>The close codes a device that breaks the protocol gets (the last slot counts any other).</summary>
    public static readonly int[] ViolationCodes = [1002, 1003, 1007, 1009];

    public static int CodecOf(DeviceProtocol protocol) => protocol == DeviceProtocol.Pcm ? 1 : 0;

    /// <summary>An audio payload accepted for the pipeline.</summary>
    public void CountFrame(int codec, int bytes)
    {
        Interlocked.Increment(ref _frames[codec]);
        Interlocked.Add(ref _bytes[codec], bytes);
    }

    /// <summary>An audio chunk dropped on purpose (empty, or PCM before audio-start, as Friend-Lite).</summary>
    public void CountDropped(int codec) => Interlocked.Increment(ref _dropped[codec]);

    /// <summary>A payload the decoder could not read (a corrupt Opus packet), skipped.</summary>
    public void CountUndecodable(int codec) => Interlocked.Increment(ref _undecodable[codec]);

    /// <summary>A payload that arrived after a storage failure or a limit had closed the session.</summary>
    public void CountNotStored(int codec) => Interlocked.Increment(ref _notStored[codec]);

    /// <summary>A session closed because its device broke the protocol (malformed frames, too many corrupt packets).</summary>
    public void CountViolation(int closeCode)
    {
        var slot = Array.IndexOf(ViolationCodes, closeCode);
        Interlocked.Increment(ref _violations[slot < 0 ? ViolationCodes.Length : slot]);
    }

    public void CountOpened() => Interlocked.Increment(ref _opened);

    public void CountClosed() => Interlocked.Increment(ref _closed);

    public long Frames(int codec) => Interlocked.Read(ref _frames[codec]);

    public long Bytes(int codec) => Interlocked.Read(ref _bytes[codec]);

    public long Dropped(int codec) => Interlocked.Read(ref _dropped[codec]);

    public long Undecodable(int codec) => Interlocked.Read(ref _undecodable[codec]);

    public long NotStored(int codec) => Interlocked.Read(ref _notStored[codec]);

    /// <summary>Sessions closed with <see cref="ViolationCodes"/>[<paramref name="slot"/>], or any other code at the last slot.</summary>
    public long Violations(int slot) => Interlocked.Read(ref _violations[slot]);

    /// <summary>Device conversations opened since start.</summary>
    public long ConversationsOpened => Interlocked.Read(ref _opened);

    /// <summary>Device conversations ended since start (their WAV finished, whether or not their row could be closed).</summary>
    public long ConversationsClosed => Interlocked.Read(ref _closed);
}
