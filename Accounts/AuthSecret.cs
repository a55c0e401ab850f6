using System.Security.Cryptography;
using System.Text;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Accounts;

/// <summary>
/// The HMAC key for JWTs: the contents of <c>--auth-secret-file</c>, else <c>FRIENDLITE_AUTH_SECRET</c>,
/// else <c>&lt;data-dir&gt;/auth.secret</c>, generated (32 random bytes, mode 0600) on first use and
/// reused afterwards, so tokens survive restarts and the CLI can mint tokens the server accepts.
/// </summary>
internal static class AuthSecret
{
    public const string FileName = "auth.secret";
    public const string EnvironmentVariable = "FRIENDLITE_AUTH_SECRET";
    private const int MinimumBytes = 16;

    public static byte[] Load(string? secretFile, string dataDirectory)
    {
        if (!string.IsNullOrEmpty(secretFile))
        {
            return ReadFile(secretFile, $"the file given by --auth-secret-file ({secretFile})");
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return Validate(Encoding.UTF8.GetBytes(fromEnvironment.Trim()), EnvironmentVariable);
        }

        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
        {
            TryCreate(path);
        }

        return ReadGenerated(path);
    }

    /// <summary>
    /// The server and a CLI command started together on a new directory: one creates the file
    /// (CreateNew lets only one), the other may open it between its creation and its one write and
    /// read nothing. A file that short and that new is read again for up to 2 s.
    /// </summary>
    private static byte[] ReadGenerated(string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return ReadFile(path, path);
            }
            catch (StartupException) when (attempt < 100 && new FileInfo(path) is { Exists: true, Length: < MinimumBytes } file
                && DateTime.UtcNow - file.LastWriteTimeUtc < TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(20);
            }
        }
    }

    private static void TryCreate(string path)
    {
        var text = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n";
        try
        {
            using var file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
            file.Write(Encoding.ASCII.GetBytes(text));
            file.Flush(flushToDisk: true);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process (the server, or a CLI command) created it first: use theirs.
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"Cannot create the token secret {path} ({Reasons.Of(ex)}): check the data directory's permissions.", ex);
        }
    }

    private static byte[] ReadFile(string path, string what)
    {
        string text;
        try
        {
            text = File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"Cannot read the token secret from {what} ({Reasons.Of(ex)}): check that it exists and is readable.", ex);
        }

        return Validate(Encoding.UTF8.GetBytes(text), what);
    }

    private static byte[] Validate(byte[] key, string what) =>
        key.Length >= MinimumBytes
            ? key
            : throw new StartupException($"The token secret from {what} is too short ({key.Length} bytes): use at least {MinimumBytes} random bytes, or remove it to have one generated.");
}
