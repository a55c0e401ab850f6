using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Storage;

/// <summary>Where the server keeps its database, audio and secrets.</summary>
internal static class DataDirectory
{
    /// <summary>A system service's data directory (the unit file's StateDirectory).</summary>
    public const string System = "/var/lib/friendlite";

    /// <summary><c>/var/lib/friendlite</c> as root (a system service), else the XDG data home.</summary>
    public static string Default()
    {
        if (Environment.UserName == "root" || IsRoot())
        {
            return System;
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var baseDir = !string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(home, ".local", "share");
        return Path.Combine(baseDir, "friendlite");
    }

    /// <summary>Creates the directory if needed and proves it is writable, or throws a <see cref="StartupException"/>.</summary>
    public static string Prepare(string path)
    {
        var full = Path.GetFullPath(path);
        var probe = Path.Combine(full, $".write-probe-{Environment.ProcessId}");
        try
        {
            // Audio and secrets are private to the service user.
            Directory.CreateDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new StartupException(
                $"The data directory {full} is not writable ({Reasons.Of(ex)}): fix its permissions or choose another with --data-dir or FRIENDLITE_DATA_DIR.",
                ex);
        }

        return full;
    }

    private static bool IsRoot()
    {
        try
        {
            // /proc/self/status "Uid:" line: real, effective, saved, fs.
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    var fields = line.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
                    return fields.Length > 2 && fields[2] == "0";
                }
            }
        }
        catch (IOException)
        {
        }

        return false;
    }
}
