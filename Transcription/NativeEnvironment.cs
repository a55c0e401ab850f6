using System.Runtime.InteropServices;

namespace FriendLite.Edge.Transcription;

/// <summary>
/// Sets variables in the process environment that native code reads with getenv (.NET's own
/// Environment.SetEnvironmentVariable only changes a managed copy on Unix).
/// </summary>
internal static partial class NativeEnvironment
{
    /// <summary>
    /// whisper.cpp's OpenMP threads spin while they wait, which steals a 2-core server's CPU from
    /// WebSocket work: make them sleep instead, unless the user chose a policy. Must run before the
    /// native library starts its threads.
    /// </summary>
    public static void PreferPassiveOpenMpWaits()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY")))
        {
            _ = SetEnv("OMP_WAIT_POLICY", "passive", 1);
            Environment.SetEnvironmentVariable("OMP_WAIT_POLICY", "passive");
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
