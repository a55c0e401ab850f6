using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Storage;

/// <summary>Free and total bytes of a file system.</summary>
internal readonly record struct DiskUsage(long AvailableBytes, long TotalBytes);

/// <summary>Reads the free space of the file system holding a directory (tests inject their own).</summary>
internal delegate DiskUsage FreeSpaceProbe(string directory);

/// <summary>
/// Keeps <c>--min-free-disk</c> free in the data directory's file system. Its loop
/// (<see cref="RunAsync"/>) is a child of the server's root group: every interval on the server's
/// clock it reads the free space; below the floor, recording pauses (new device sessions are
/// refused, open ones close their conversations and end) until the space is back. A failed reading
/// is logged and the last one stands; the loop goes on. Reading the state is lock-free: one
/// immutable <see cref="Reading"/> is swapped in per check.
/// </summary>
internal sealed class FreeSpaceWatcher(string directory, MinFreeDisk floor, TimeSpan interval, TimeProvider time, FreeSpaceProbe probe, Log log)
{
    private Reading _reading = new(null, 0, false, null);
    private long _refused;
    private long _closed;

    /// <summary>The latest reading: free and total bytes (null before a first success), the floor in bytes, whether recording is paused, the last error.</summary>
    internal sealed record Reading(DiskUsage? Usage, long FloorBytes, bool Low, string? Error);

    public Reading Current => Volatile.Read(ref _reading);

    /// <summary>True while the free space is below the floor: recording is paused.</summary>
    public bool IsLow => Current.Low;

    public MinFreeDisk Floor => floor;

    /// <summary>Device sessions refused before the upgrade since start, while recording was paused.</summary>
    public long SessionsRefused => Interlocked.Read(ref _refused);

    /// <summary>Open device sessions ended since start because the free space fell below the floor.</summary>
    public long SessionsClosed => Interlocked.Read(ref _closed);

    /// <summary>The close reason a device gets, one wording everywhere (the 507 says more).</summary>
    public static string CloseReason => "the server's disk is almost full";

    /// <summary>Why a device session is refused now: one sentence for the 507 and the log.</summary>
    public string Refusal
    {
        get
        {
            var reading = Current;
            return $"The server's disk is almost full ({Mib(reading.Usage?.AvailableBytes ?? 0)} MiB free, it keeps {Mib(reading.FloorBytes)} MiB): "
                + "recording is paused until there is room; try again later.";
        }
    }

    public static DiskUsage Probe(string directory)
    {
        var drive = new DriveInfo(directory);
        return new DiskUsage(drive.AvailableFreeSpace, drive.TotalSize);
    }

    public static long Mib(long bytes) => bytes / (1024 * 1024);

    public void CountRefused() => Interlocked.Increment(ref _refused);

    public void CountClosed() => Interlocked.Increment(ref _closed);

    /// <summary>Checks until cancelled (the server stopping).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(interval, time, cancellationToken);
            Check();
        }
    }

    /// <summary>Reads the free space once and updates the state; a failure is logged and leaves the last reading.</summary>
    public void Check()
    {
        var last = Current;
        DiskUsage usage;
        try
        {
            usage = probe(directory);
        }
        catch (Exception ex)
        {
            // Whatever the probe throws, the watcher goes on: a disk it cannot read is not a reason to stop recording.
            var reason = Reasons.Of(ex);
            if (last.Error != reason)
            {
                log.Warn("disk", "could not read the free space of the data directory; keeping the last reading", ("dir", directory), ("reason", reason));
            }

            Volatile.Write(ref _reading, last with { Error = reason });
            return;
        }

        var floorBytes = floor.BytesOf(usage.TotalBytes);
        var low = usage.AvailableBytes < floorBytes;
        Volatile.Write(ref _reading, new Reading(usage, floorBytes, low, null));
        if (low && !last.Low)
        {
            log.Warn("disk", "free space below --min-free-disk: recording paused, device sessions refused and ended",
                ("free_mib", Mib(usage.AvailableBytes)), ("min_free_mib", Mib(floorBytes)));
        }
        else if (!low && last.Low)
        {
            log.Info("disk", "free space back above --min-free-disk: recording resumes", ("free_mib", Mib(usage.AvailableBytes)), ("min_free_mib", Mib(floorBytes)));
        }
    }
}
