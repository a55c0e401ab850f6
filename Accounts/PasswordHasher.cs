using System.Globalization;
using System.Security.Cryptography;
using FriendLite.Edge.Concurrency;

namespace FriendLite.Edge.Accounts;

/// <summary>
/// PBKDF2-HMAC-SHA256 password hashes, stored as <c>pbkdf2-sha256$iterations$salt$hash</c>
/// (base64), so the iteration count can be raised later: a hash made with fewer iterations than the
/// current setting verifies and reports that it should be re-hashed.
/// </summary>
internal sealed class PasswordHasher
{
    /// <summary>OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.</summary>
    public const int DefaultIterations = 600_000;
    public const int MinimumLength = 8;
    public const int MaximumLength = 1024;
    private const string Scheme = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    private const int MaximumStoredIterations = 10_000_000;

    private readonly string _dummyHash;
    private readonly AdmissionGate? _gate;
    private readonly Func<CancellationToken, Task>? _onHash;

    /// <summary>
    /// A hasher. The async methods (the server's) compute each hash holding a slot of
    /// <paramref name="gate"/>: a few at once, so a flood of logins cannot take every core and pool
    /// thread; <paramref name="onHash"/> is awaited in the slot before each hash (tests hold hashes there).
    /// </summary>
    public PasswordHasher(int iterations = DefaultIterations, AdmissionGate? gate = null, Func<CancellationToken, Task>? onHash = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        Iterations = iterations;
        _gate = gate;
        _onHash = onHash;
        // Costs the same to check as a real hash, but costs nothing to make (server start stays fast).
        _dummyHash = string.Create(CultureInfo.InvariantCulture,
            $"{Scheme}${iterations}${Convert.ToBase64String(new byte[SaltBytes])}${Convert.ToBase64String(new byte[HashBytes])}");
    }

    public int Iterations { get; }

    /// <summary>The gate the server's hashes wait at (null in the CLI).</summary>
    public AdmissionGate? Gate => _gate;

    /// <summary>Null when the password is acceptable, else a sentence saying why not.</summary>
    public static string? Check(string password) => password.Length switch
    {
        < MinimumLength => $"The password must have at least {MinimumLength} characters.",
        > MaximumLength => $"The password must have at most {MaximumLength} characters.",
        _ => null,
    };

    public string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, Iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>Checks a password in constant time. <paramref name="needsRehash"/> is true when the stored hash used fewer iterations.</summary>
    public bool Verify(string password, string stored, out bool needsRehash)
    {
        needsRehash = false;
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations)
            || iterations is < 1 or > MaximumStoredIterations)
        {
            return false;
        }

        byte[] salt, expected;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            expected = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        var actual = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        var ok = CryptographicOperations.FixedTimeEquals(actual, expected);
        needsRehash = ok && iterations < Iterations;
        return ok;
    }

    /// <summary>Spends the same time as a real check, so an unknown email cannot be told from a wrong password.</summary>
    public void VerifyNothing(string password) => Verify(password, _dummyHash, out _);

    /// <summary><see cref="Hash"/>, as the server runs it.</summary>
    public Task<string> HashAsync(string password, CancellationToken cancellationToken) =>
        RunAsync(() => Hash(password), cancellationToken);

    /// <summary><see cref="Verify"/>, as the server runs it.</summary>
    public Task<(bool Ok, bool NeedsRehash)> VerifyAsync(string password, string stored, CancellationToken cancellationToken, bool priority = false) =>
        RunAsync(() => (Verify(password, stored, out var needsRehash), needsRehash), cancellationToken, priority);

    /// <summary><see cref="VerifyNothing"/>, as the server runs it.</summary>
    public Task VerifyNothingAsync(string password, CancellationToken cancellationToken, bool priority = false) =>
        RunAsync(() => Verify(password, _dummyHash, out _), cancellationToken, priority);

    /// <exception cref="AdmissionRefusedException">Too many hashes are waiting already, or this one waited too long.</exception>
    private async Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken, bool priority = false)
    {
        using var slot = _gate is null ? null : await _gate.EnterAsync(cancellationToken, priority);
        if (_onHash is not null)
        {
            await _onHash(cancellationToken);
        }

        return work();
    }
}
