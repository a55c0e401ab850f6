using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Install;

/// <summary>The file operations of <c>install</c>: each failure an <see cref="InstallException"/> with one sentence.</summary>
internal static class InstallFiles
{
    /// <summary>
    /// Writes a temporary file beside <paramref name="target"/>, on the disk before it is renamed over
    /// the target (a Pi losing power mid-upgrade keeps the old file or the new one, never an empty one).
    /// </summary>
    public static void WriteAtomically(string target, UnixFileMode mode, Action<FileStream> write, string failure)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.install-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using (var file = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = mode }))
            {
                write(file);
                file.Flush(flushToDisk: true);
            }

            // UnixCreateMode is masked by the umask; the mode must be exact (a 0077 umask would make the binary 0700).
            File.SetUnixFileMode(temporary, mode);
            File.Move(temporary, target, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }

            throw new InstallException($"{failure} ({Reasons.Of(ex)}): check that you may write there, or give another --prefix or --root.");
        }
    }

    public static string? Read(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InstallException($"Cannot read {path} ({Reasons.Of(ex)}): check its permissions.");
        }
    }

    public static bool SameFile(string a, string b) =>
        string.Equals(Path.GetFullPath(ResolveLinks(a)), Path.GetFullPath(ResolveLinks(b)), StringComparison.Ordinal);

    private static string ResolveLinks(string path) => new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
}

/// <summary>A step of <c>install</c> failed; the message is the one sentence the user reads.</summary>
internal sealed class InstallException(string message) : Exception(message);
