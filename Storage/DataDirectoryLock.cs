using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Storage;

/// <summary>
/// One server per data directory. <c>serve</c> holds <c>&lt;data-dir&gt;/server.lock</c> open with
/// <see cref="FileShare.None"/> (an exclusive <c>flock</c> on Linux) from before it opens the
/// database until it stops; the kernel drops the lock when the process ends, SIGKILL included, so a
/// stale file never blocks a start. The holder's pid goes to <c>server.pid</c> (a file .NET can read
/// while the lock file is held), for the refusal's sentence, and once the port is bound the address
/// too (its second line), for <c>status</c>. The CLI's commands never hold the lock: they are safe
/// next to a running server (<c>status</c> only tries it for an instant, see <see cref="Probe"/>).
/// </summary>
internal sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = "server.lock";
    public const string PidFileName = "server.pid";
    private const int WouldBlock = 11; // EAGAIN/EWOULDBLOCK: flock found the lock taken

    private readonly FileStream _lock;
    private readonly string _pidFile;

    private DataDirectoryLock(FileStream held, string pidFile)
    {
        _lock = held;
        _pidFile = pidFile;
    }

    /// <summary>Takes the lock of <paramref name="dataDirectory"/>, or throws a <see cref="StartupException"/> naming the server that holds it.</summary>
    public static DataDirectoryLock Acquire(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        var pidFile = Path.Combine(dataDirectory, PidFileName);
        FileStream held;
        try
        {
            held = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException ex) when (ex.HResult == WouldBlock)
        {
            var holder = ReadPid(pidFile) is { } pid ? $"pid {pid}" : "its pid unknown";
            throw new StartupException(
                $"Another friendlite-edge server ({holder}) is using the data directory {dataDirectory}: stop it first, or give this server another --data-dir.", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"Cannot take the lock file {path} ({Reasons.Of(ex)}): check the data directory's permissions.", ex);
        }

        WritePidFile(pidFile, $"{Environment.ProcessId}\n");
        return new DataDirectoryLock(held, pidFile);
    }

    /// <summary>Adds the address the server answers on to the pid file, for <c>status</c>.</summary>
    public void Announce(string address) => WritePidFile(_pidFile, $"{Environment.ProcessId}\n{address}\n");

    /// <summary>
    /// Whether a server holds the lock of <paramref name="dataDirectory"/> (without creating
    /// anything), with the pid and address it wrote. The lock is tried and, when free, released at
    /// once: a server starting in that instant is refused as if another one ran.
    /// </summary>
    public static ServerProbe Probe(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        try
        {
            using var free = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return new ServerProbe(false, null, null);
        }
        catch (FileNotFoundException)
        {
            return new ServerProbe(false, null, null); // no server ever ran here
        }
        catch (IOException ex) when (ex.HResult == WouldBlock)
        {
            var lines = ReadPidFile(Path.Combine(dataDirectory, PidFileName));
            var pid = lines.Length > 0 && int.TryParse(lines[0], System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : (int?)null;
            return new ServerProbe(true, pid, lines.Length > 1 && lines[1].Length > 0 ? lines[1] : null);
        }
    }

    private static void WritePidFile(string pidFile, string text)
    {
        try
        {
            var temporary = $"{pidFile}.{Environment.ProcessId}";
            File.WriteAllText(temporary, text);
            File.Move(temporary, pidFile, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Only the refusal's sentence and status need it: the lock itself is held.
        }
    }

    /// <summary>Releases the lock (the process ending does too).</summary>
    public void Dispose()
    {
        try
        {
            File.Delete(_pidFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A stale pid file is only read while another server holds the lock, which rewrites it.
        }

        _lock.Dispose();
    }

    private static int? ReadPid(string pidFile) =>
        ReadPidFile(pidFile) is [var first, ..] && int.TryParse(first, System.Globalization.CultureInfo.InvariantCulture, out var pid) ? pid : null;

    private static string[] ReadPidFile(string pidFile)
    {
        try
        {
            return File.ReadAllText(pidFile).Split('\n', StringSplitOptions.TrimEntries);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}

/// <summary>What <see cref="DataDirectoryLock.Probe"/> found: whether a server holds the directory, its pid and address when it wrote them.</summary>
internal readonly record struct ServerProbe(bool Running, int? Pid, string? Address);
