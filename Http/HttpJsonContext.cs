using System.Text.Json.Serialization;

namespace FriendLite.Edge.Http;

internal sealed record ErrorResponse(string Detail);

internal sealed record ComponentHealth(string Status, string? Detail);

internal sealed record HealthResponse(
    string Status,
    string Version,
    double UptimeSeconds,
    IReadOnlyDictionary<string, ComponentHealth> Components);

internal sealed record ReadinessResponse(string Status, string? Detail);

/// <summary>Source-generated JSON for every HTTP payload (no reflection, AOT-safe).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(ReadinessResponse))]
internal sealed partial class HttpJsonContext : JsonSerializerContext;
