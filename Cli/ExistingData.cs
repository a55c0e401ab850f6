using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Cli;

/// <summary>
/// For the commands that read or change what a data directory already holds (users, tokens, jobs):
/// a directory without a database has nothing for them, so they say how to start instead of creating
/// an empty database, a secret and the directory itself (a mistyped --data-dir would otherwise look
/// like a server without users).
/// </summary>
internal static class ExistingData
{
    /// <summary>The data directory's full path; a <see cref="StartupException"/> when it certainly holds no database.</summary>
    public static string Require(string dataDirectory)
    {
        var full = Path.GetFullPath(dataDirectory);
        if (HasNoDatabase(full))
        {
            var word = Shell.Word(full);
            throw new StartupException(
                $"No FriendLite data in {full}: start the server with '{CommandLine.ProgramName} serve --data-dir {word}' "
                + $"or add a user with '{CommandLine.ProgramName} user add --email EMAIL --data-dir {word}'.");
        }

        return full;
    }

    /// <summary>True only when the absence is certain; a directory that cannot be read is left to the command's own error.</summary>
    private static bool HasNoDatabase(string directory)
    {
        if (File.Exists(directory))
        {
            return false;
        }

        try
        {
            File.GetAttributes(Path.Combine(directory, Database.FileName));
            return false;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return true;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }
}
