namespace FriendLite.Edge.Cli;

/// <summary>Commands the program prints for a person to run: each path written so a POSIX shell reads it back unchanged.</summary>
internal static class Shell
{
    /// <summary>The path as a shell reads it back: as it is when it is plain, else double-quoted with the characters a shell expands there escaped.</summary>
    public static string Word(string path)
    {
        if (path.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or '+' or ',' or ':' or '@' or '%'))
        {
            return path;
        }

        var escaped = new System.Text.StringBuilder("\"");
        foreach (var c in path)
        {
            escaped.Append(c is '"' or '\\' or '$' or '`' ? "\\" + c : c.ToString());
        }

        return escaped.Append('"').ToString();
    }
}
