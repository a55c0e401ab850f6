using System.CommandLine;
using FriendLite.Edge.Cli;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Accounts;

/// <summary>Options shared by <c>serve</c> and the account commands.</summary>
internal static class AuthOptions
{
    public static Option<string?> SecretFile() =>
        CliOptions.Create<string?>("--auth-secret-file", "File holding the token signing secret.",
            "FILE", () => null, text => text, shown: "the secret in FRIENDLITE_AUTH_SECRET, else <data-dir>/auth.secret, generated on first use");

    /// <summary>A token lifetime from 1m to 3650d; <paramref name="environment"/> "" for one that is chosen per token.</summary>
    public static Option<TimeSpan> TokenLifetime(string name, string description, TimeSpan fallback, string examples, string? environment = null) =>
        CliOptions.Duration(name, description, fallback, TimeSpan.FromMinutes(1), TimeSpan.FromDays(3650), examples, environment);

    /// <summary>A password from a file: its first line, without the line ending.</summary>
    public static string ReadPasswordFile(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            return reader.ReadLine() ?? "";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"Cannot read the password file {path} ({Reasons.Of(ex)}).", ex);
        }
    }
}
