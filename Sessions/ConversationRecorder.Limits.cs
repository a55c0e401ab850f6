using System.Net.WebSockets;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Sessions;

/// <summary>
/// The limits a session's audio is held to: the real-time factor (<see cref="RealtimeLimiter"/>)
/// and the free space kept on the disk (<see cref="FreeSpaceWatcher"/>).
/// Beyond one, what was accepted stays stored (the conversation is closed with it), the device is
/// told why in the close frame, and what still arrives is counted, not stored.
/// </summary>
internal sealed partial class ConversationRecorder
{
    private RealtimeLimiter.Bucket? _bucket = settings.Realtime?.Lease(entry.UserId);

    /// <summary>Takes <paramref name="samples"/> decoded samples from the device's real-time budget; false when they exceed it.</summary>
    private bool WithinRealtime(int samples) =>
        _bucket is not { } bucket || settings.Realtime!.TryTake(bucket, samples);

    /// <summary>Appends the samples when they are within the device's real-time budget.</summary>
    private bool AppendWithinRealtime(OpenConversation conversation, ReadOnlySpan<short> samples)
    {
        if (!WithinRealtime(samples.Length))
        {
            return false;
        }

        Append(conversation, samples);
        return true;
    }

    private async Task OverRealtimeAsync()
    {
        var limiter = settings.Realtime!;
        _refusing = true;
        limiter.CountClosed();
        log.Warn("session", $"closing: {limiter.Refusal}", ("client", entry.ClientId), ("burst_seconds", limiter.Burst.TotalSeconds));
        await CloseConversationAsync("over real time");
        await closeSession(WebSocketCloseStatus.PolicyViolation, limiter.Refusal);
    }

    /// <summary>The free space fell below the floor: the session ends with what it stored (checked on every message, ticks included).</summary>
    private async Task DiskLowAsync(FreeSpaceWatcher disk)
    {
        _refusing = true;
        disk.CountClosed();
        log.Warn("session", $"closing: {FreeSpaceWatcher.CloseReason}", ("client", entry.ClientId),
            ("free_mib", FreeSpaceWatcher.Mib(disk.Current.Usage?.AvailableBytes ?? 0)), ("min_free_mib", FreeSpaceWatcher.Mib(disk.Current.FloorBytes)));
        await CloseConversationAsync("disk low");
        await closeSession(WebSocketCloseStatus.InternalServerError, FreeSpaceWatcher.CloseReason);
    }

    private void ReleaseLimits()
    {
        if (Interlocked.Exchange(ref _bucket, null) is { } bucket)
        {
            settings.Realtime!.Release(bucket);
        }
    }
}
