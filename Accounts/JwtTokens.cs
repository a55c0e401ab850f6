using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FriendLite.Edge.Accounts;

internal sealed record JwtHeader(string? Alg, string? Typ);

internal sealed record JwtPayload(string? Sub, long? Iat, long? Exp, long? Ver = null, string? Scp = null);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JwtHeader))]
[JsonSerializable(typeof(JwtPayload))]
internal sealed partial class JwtJsonContext : JsonSerializerContext;

/// <summary>
/// The outcome of checking a token: the user id and token version it names, or why it was refused;
/// <see cref="Scope"/> is the one request path a link token is good for (null for a login token).
/// </summary>
internal readonly record struct TokenCheck(string? UserId, string? Failure, long Version = 0, string? Scope = null)
{
    public bool IsValid => UserId is not null;
}

/// <summary>
/// HS256 JSON Web Tokens carrying <c>sub</c> (user id), <c>iat</c>, <c>exp</c> and <c>ver</c> (the
/// user's token version when issued; tokens from before versions existed have none and count as 0),
/// and for a link token <c>scp</c>: the exact request path it opens (nothing else; never a login).
/// Validation accepts only HS256 (never <c>none</c>), checks the signature in constant time, then the
/// expiry. Whether the user still exists, is active and has that token version is the authenticator's check.
/// </summary>
internal sealed class JwtTokens(byte[] key, TimeProvider time)
{
    public const int MaximumLength = 4096;
    private static readonly string s_header = Base64Url.EncodeToString(
        JsonSerializer.SerializeToUtf8Bytes(new JwtHeader("HS256", "JWT"), JwtJsonContext.Default.JwtHeader));

    public string Issue(string userId, TimeSpan lifetime, int version = 0, string? scope = null)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var payload = new JwtPayload(userId, now, now + (long)lifetime.TotalSeconds, version, scope);
        var body = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(payload, JwtJsonContext.Default.JwtPayload));
        var signingInput = $"{s_header}.{body}";
        return $"{signingInput}.{Base64Url.EncodeToString(Sign(signingInput))}";
    }

    public TokenCheck Validate(string token)
    {
        if (token.Length is 0 or > MaximumLength)
        {
            return Fail("malformed token");
        }

        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return Fail("malformed token");
        }

        var header = Decode(parts[0], JwtJsonContext.Default.JwtHeader);
        if (header is null)
        {
            return Fail("malformed token");
        }

        if (header.Alg != "HS256")
        {
            return Fail($"unsupported algorithm '{header.Alg}'");
        }

        byte[] signature;
        try
        {
            signature = Base64Url.DecodeFromChars(parts[2]);
        }
        catch (FormatException)
        {
            return Fail("malformed token");
        }

        if (!CryptographicOperations.FixedTimeEquals(signature, Sign($"{parts[0]}.{parts[1]}")))
        {
            return Fail("bad signature");
        }

        var payload = Decode(parts[1], JwtJsonContext.Default.JwtPayload);
        if (payload is null || string.IsNullOrEmpty(payload.Sub) || payload.Exp is null)
        {
            return Fail("malformed token");
        }

        return payload.Exp.Value <= time.GetUtcNow().ToUnixTimeSeconds() ? Fail("expired token") : new TokenCheck(payload.Sub, null, payload.Ver ?? 0, payload.Scp);
    }

    private byte[] Sign(string signingInput) => HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(signingInput));

    private static T? Decode<T>(string part, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(Base64Url.DecodeFromChars(part), type);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }

    private static TokenCheck Fail(string reason) => new(null, reason);
}
