namespace FriendLite.Edge.Diagnostics;

/// <summary>A stage where tests make the server fail: throw, hang or slow down before the stage runs.</summary>
internal enum FaultPoint
{
    /// <summary>Before a device's payload is decoded (Opus or PCM); the subject is the client id, the count the packets decoded so far.</summary>
    Decode,

    /// <summary>Before samples are appended to a conversation's WAV; the subject is the conversation id, the count the samples stored so far.</summary>
    WavWrite,

    /// <summary>Before a conversation's WAV gets its final header and is closed; the subject is the conversation id, the count its samples.</summary>
    WavFinish,

    /// <summary>Before the revocation sweep reads the row of a user with live sessions; the subject is the user id, the count the sweeps so far.</summary>
    RevocationCheck,
}

/// <summary>
/// Fault injection for tests: called at each <see cref="FaultPoint"/>, it may throw (a decoder bug,
/// <c>ENOSPC</c>), block (a hung disk) or sleep (a slow one). Set only in process through the
/// server's options: no flag, environment variable or route reaches it, and the shipped server has
/// none (every point is then a null check). The clock is injected the same way, as a
/// <see cref="TimeProvider"/>.
/// </summary>
internal delegate void FaultHook(FaultPoint point, string subject, long count);
