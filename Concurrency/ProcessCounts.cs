namespace FriendLite.Edge.Concurrency;

/// <summary>
/// Process-wide resource counts from /proc: what the lifecycle invariants are checked against, and
/// the resident memory (the same figure as /metrics' <c>process_resident_memory_bytes</c>).
/// </summary>
internal sealed record ProcessCounts(int OpenFileDescriptors, int Threads, int LiveGroups, long ManagedHeapBytes, long ResidentBytes)
{
    public static ProcessCounts Read() => new(
        CountEntries("/proc/self/fd"),
        CountEntries("/proc/self/task"),
        TaskGroup.LiveGroups,
        GC.GetTotalMemory(forceFullCollection: false),
        Environment.WorkingSet);

    private static int CountEntries(string directory)
    {
        try
        {
            // Enumerating /proc/self/fd opens one descriptor itself; it is gone again before we return.
            return Directory.EnumerateFileSystemEntries(directory).Count();
        }
        catch (IOException)
        {
            return -1;
        }
        catch (UnauthorizedAccessException)
        {
            return -1;
        }
    }
}
