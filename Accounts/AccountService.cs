using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Accounts;

/// <summary>Account rules shared by the HTTP API, the CLI and the admin bootstrap.</summary>
internal sealed class AccountService(UserStore users, PasswordHasher hasher, JwtTokens tokens, TimeSpan tokenLifetime)
{
    private static readonly System.Buffers.SearchValues<char> s_notInEmail = System.Buffers.SearchValues.Create(" \t\r\n<>,;\"");

    public UserStore Users { get; } = users;

    public PasswordHasher Hasher => hasher;

    public TimeSpan TokenLifetime { get; } = tokenLifetime;

    public string IssueToken(User user, TimeSpan? lifetime = null) => tokens.Issue(user.Id, lifetime ?? TokenLifetime, user.TokenVersion);

    /// <summary>
    /// The user with these credentials, or null. Unknown emails cost the same time as wrong
    /// passwords; a hash made with fewer iterations than today's setting is upgraded on success.
    /// A <paramref name="priority"/> check (from an address that logged in to the account before)
    /// waits for hashing ahead of the others.
    /// </summary>
    public async Task<User?> CheckCredentialsAsync(string email, string password, CancellationToken cancellationToken, bool priority = false)
    {
        var user = await Users.FindByEmailAsync(email.Trim(), cancellationToken);
        if (user is null || password.Length > PasswordHasher.MaximumLength)
        {
            await hasher.VerifyNothingAsync(password.Length > PasswordHasher.MaximumLength ? "" : password, cancellationToken, priority);
            return null;
        }

        var (ok, needsRehash) = await hasher.VerifyAsync(password, user.PasswordHash, cancellationToken, priority);
        if (!ok || !user.IsActive)
        {
            return null;
        }

        if (needsRehash)
        {
            await Users.SetPasswordHashAsync(user.Id, await hasher.HashAsync(password, cancellationToken), cancellationToken);
        }

        return user;
    }

    /// <summary>Creates a user, or returns a sentence saying why not (bad email, weak password, taken email).</summary>
    public async Task<(User? User, string? Error)> CreateAsync(string? email, string? password, string? displayName, bool isAdmin, CancellationToken cancellationToken)
    {
        email = email?.Trim();
        if (CheckEmail(email) is { } emailError)
        {
            return (null, emailError);
        }

        if (password is null || PasswordHasher.Check(password) is { } passwordError)
        {
            return (null, password is null ? "A password is required." : PasswordHasher.Check(password));
        }

        if (displayName is { Length: > 200 })
        {
            return (null, "The display name must have at most 200 characters.");
        }

        var user = await Users.CreateAsync(email!, string.IsNullOrWhiteSpace(displayName) ? null : displayName.Trim(), await hasher.HashAsync(password, cancellationToken), isAdmin, cancellationToken);
        return user is null ? (null, $"A user with the email {email} already exists.") : (user, null);
    }

    /// <summary>
    /// Deletes a user (keeping or deleting its data, see <see cref="UserStore.DeleteAsync"/>) and
    /// removes the audio files of deleted conversations. Null when no such user exists. A file that
    /// cannot be removed does not undo the deletion: it is reported in <see cref="UserDeletion.Problems"/>.
    /// </summary>
    public async Task<UserDeletion?> DeleteUserAsync(string id, bool deleteData, CancellationToken cancellationToken)
    {
        if (await Users.DeleteAsync(id, deleteData, cancellationToken) is not { } audio)
        {
            return null;
        }

        var problems = new List<string>();
        foreach (var path in audio)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                problems.Add($"could not remove {path} ({Reasons.Of(ex)})");
            }
        }

        return new UserDeletion(audio.Count, audio.Count - problems.Count, problems);
    }

    public async Task<string?> ChangePasswordAsync(User user, string password, CancellationToken cancellationToken)
    {
        if (PasswordHasher.Check(password) is { } error)
        {
            return error;
        }

        return await Users.ChangePasswordHashAsync(user.Id, await hasher.HashAsync(password, cancellationToken), cancellationToken) ? null : "The user no longer exists.";
    }

    public static string? CheckEmail(string? email)
    {
        if (string.IsNullOrEmpty(email))
        {
            return "An email is required.";
        }

        var at = email.IndexOf('@', StringComparison.Ordinal);
        var valid = email.Length <= 254 && at > 0 && at == email.LastIndexOf('@') && at < email.Length - 1
            && !email.AsSpan().ContainsAny(s_notInEmail);
        return valid ? null : $"'{email}' is not an email address.";
    }
}

internal sealed record UserDeletion(int AudioFiles, int AudioFilesRemoved, IReadOnlyList<string> Problems);
