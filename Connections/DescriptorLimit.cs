using System.Runtime.InteropServices;

namespace FriendLite.Edge.Connections;

/// <summary>
/// The process's open-file limit. Every connection is a descriptor (three, relayed), and the usual
/// soft limit of 1,024 is far below what a server needs while the hard limit is not: the server
/// raises its soft limit to the hard one at start, as any network server should.
/// </summary>
internal static partial class DescriptorLimit
{
    private const int ResourceOpenFiles = 7; // RLIMIT_NOFILE on Linux (x64, arm, arm64)

    /// <summary>Raises the soft limit to the hard one; returns the soft limit now in force (long.MaxValue when unknown or unlimited).</summary>
    public static (long Before, long Now) RaiseToHard()
    {
        if (!OperatingSystem.IsLinux())
        {
            return (long.MaxValue, long.MaxValue);
        }

        try
        {
            if (GetLimit(ResourceOpenFiles, out var limit) != 0)
            {
                return (long.MaxValue, long.MaxValue);
            }

            var before = Clamp(limit.Current);
            if (limit.Current < limit.Maximum)
            {
                var raised = limit with { Current = limit.Maximum };
                if (SetLimit(ResourceOpenFiles, in raised) == 0)
                {
                    return (before, Clamp(limit.Maximum));
                }
            }

            return (before, before);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return (long.MaxValue, long.MaxValue);
        }
    }

    private static long Clamp(nuint value) => value > long.MaxValue ? long.MaxValue : (long)value;

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct ResourceLimit(nuint Current, nuint Maximum);

    [LibraryImport("libc", EntryPoint = "getrlimit")]
    private static partial int GetLimit(int resource, out ResourceLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit")]
    private static partial int SetLimit(int resource, in ResourceLimit limit);
}
