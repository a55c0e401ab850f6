using System.Buffers.Text;
using System.Text;
using FriendLite.Edge.Accounts;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Accounts;

public sealed class AuthUnitTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("a test key of more than sixteen bytes");

    [Fact]
    public void PasswordHasher_Default_Uses600kIterationsAndStoresThem()
    {
        var hasher = new PasswordHasher();

        var hash = hasher.Hash("correct horse battery");

        Assert.Equal(600_000, hasher.Iterations);
        Assert.StartsWith("pbkdf2-sha256$600000$", hash, StringComparison.Ordinal);
        Assert.True(hasher.Verify("correct horse battery", hash, out var rehash));
        Assert.False(rehash);
    }

    [Fact]
    public void PasswordHasher_WrongPasswordOrTamperedHash_DoesNotVerify()
    {
        var hasher = new PasswordHasher(1000);
        var hash = hasher.Hash("correct horse battery");
        var parts = hash.Split('$');
        var tampered = string.Join('$', parts[0], parts[1], parts[2], Convert.ToBase64String(new byte[32]));

        Assert.False(hasher.Verify("correct horse batterY", hash, out _));
        Assert.False(hasher.Verify("correct horse battery", tampered, out _));
        Assert.False(hasher.Verify("correct horse battery", "plaintext", out _));
        Assert.False(hasher.Verify("correct horse battery", "pbkdf2-sha256$999999999$AAAA$AAAA", out _));
    }

    [Fact]
    public void PasswordHasher_HashWithFewerIterations_VerifiesAndAsksForRehash()
    {
        var old = new PasswordHasher(1000).Hash("correct horse battery");

        Assert.True(new PasswordHasher(2000).Verify("correct horse battery", old, out var rehash));
        Assert.True(rehash);
    }

    [Fact]
    public void PasswordHasher_SamePasswordTwice_GetsDifferentSalts()
    {
        var hasher = new PasswordHasher(1000);

        Assert.NotEqual(hasher.Hash("correct horse battery"), hasher.Hash("correct horse battery"));
    }

    [Fact]
    public void Jwt_IssuedToken_ValidatesToItsUserUntilItExpires()
    {
        var clock = new ManualTime(DateTimeOffset.Parse("2026-11-27T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var tokens = new JwtTokens(Key, clock);

        var token = tokens.Issue("0123456789abcdef01234567", TimeSpan.FromHours(24));

        Assert.Equal("0123456789abcdef01234567", tokens.Validate(token).UserId);
        clock.Now = clock.Now.AddHours(24);
        Assert.Equal("expired token", tokens.Validate(token).Failure);
    }

    [Fact]
    public void Jwt_HeaderAndClaims_AreStandardHs256()
    {
        var tokens = new JwtTokens(Key, TimeProvider.System);

        var parts = tokens.Issue("u1", TimeSpan.FromMinutes(5), version: 3).Split('.');

        Assert.Equal("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[0])));
        var payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1]));
        Assert.Matches("^\\{\"sub\":\"u1\",\"iat\":\\d+,\"exp\":\\d+,\"ver\":3\\}$", payload);
        Assert.Equal(3, tokens.Validate(string.Join('.', parts)).Version);
    }

    [Theory]
    [InlineData("{\"alg\":\"none\",\"typ\":\"JWT\"}", "unsupported algorithm 'none'")]
    [InlineData("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", "unsupported algorithm 'HS512'")]
    [InlineData("{\"typ\":\"JWT\"}", "unsupported algorithm ''")]
    [InlineData("not json", "malformed token")]
    public void Jwt_ForeignHeader_IsRefused(string header, string failure)
    {
        var tokens = new JwtTokens(Key, TimeProvider.System);
        var parts = tokens.Issue("u1", TimeSpan.FromMinutes(5)).Split('.');
        var forged = $"{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header))}.{parts[1]}.{parts[2]}";
        var unsigned = $"{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header))}.{parts[1]}.";

        Assert.Equal(failure, tokens.Validate(forged).Failure);
        Assert.False(tokens.Validate(unsigned).IsValid);
    }

    [Fact]
    public void Jwt_OtherKeyTruncatedOrEdited_IsRefused()
    {
        var tokens = new JwtTokens(Key, TimeProvider.System);
        var token = tokens.Issue("u1", TimeSpan.FromMinutes(5));
        var parts = token.Split('.');
        var otherKey = new JwtTokens(Encoding.UTF8.GetBytes("another key, also long enough"), TimeProvider.System).Issue("u1", TimeSpan.FromMinutes(5));
        var edited = $"{parts[0]}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes("{\"sub\":\"admin\",\"iat\":1,\"exp\":99999999999}"))}.{parts[2]}";

        Assert.Equal("bad signature", tokens.Validate(otherKey).Failure);
        Assert.Equal("bad signature", tokens.Validate(edited).Failure);
        Assert.Equal("malformed token", tokens.Validate($"{parts[0]}.{parts[1]}").Failure);
        for (var cut = 1; cut < 8; cut++)
        {
            Assert.False(tokens.Validate(token[..^cut]).IsValid, $"token cut by {cut} characters was accepted");
        }

        Assert.Equal("malformed token", tokens.Validate("").Failure);
        Assert.Equal("malformed token", tokens.Validate(new string('a', 5000)).Failure);
    }

    [Fact]
    public async Task Secret_OpenedWhileAnotherProcessIsStillWritingIt_IsReadOnceWritten()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, AuthSecret.FileName);
        await File.WriteAllBytesAsync(path, []); // what the creating process's CreateNew leaves until its write
        // The other process, as a thread of its own: a thread-pool writer could wait for a pool
        // thread longer than the reader's 2 s on a loaded CI machine (it did once).
        var writer = new Thread(() =>
        {
            Thread.Sleep(200);
            File.WriteAllText(path, "0123456789abcdef0123456789abcdef\n");
        });
        writer.Start();

        var key = await Task.Run(() => AuthSecret.Load(null, dir.Path));

        writer.Join();
        Assert.Equal("0123456789abcdef0123456789abcdef", Encoding.UTF8.GetString(key));
    }
}
