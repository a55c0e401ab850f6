using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Storage;

/// <summary>
/// One server per data directory. <c>serve</c> holds <c>&lt;data-dir&gt;/server.lock</c> open with
/// <see cref="FileShare.None"/> (an exclusive <c>flock</c> on Linux) from before it opens the
/// database until it stops; the kernel drops the lock when the process ends, SIGKILL included, so a
/// stale file never blocks a start. The holder's pid goes to <c>server.pid</c> (a file .NET can read
/// while the lock file is held), for the refusal's sentence. The CLI's commands never take the lock:
/// they are safe next to a running server.
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

        try
        {
            var temporary = $"{pidFile}.{Environment.ProcessId}";
            File.WriteAllText(temporary, $"{Environment.ProcessId}\n");
            File.Move(temporary, pidFile, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Only the refusal's sentence needs it: the lock itself is held.
        }

        return new DataDirectoryLock(held, pidFile);
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

    private static int? ReadPid(string pidFile)
    {
        try
        {
            return int.TryParse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
