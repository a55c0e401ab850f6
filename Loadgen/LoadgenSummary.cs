using System.Globalization;
using System.Text.Json.Serialization;

namespace FriendLite.Edge.Loadgen;

/// <summary>What a run did; printed for people, or as one JSON object (<c>--json</c>) for benchmarks.</summary>
internal sealed record LoadgenSummary(
    string Url,
    string Protocol,
    string Codec,
    int FrameMs,
    double Speed,
    int Clients,
    long SessionsOpened,
    long SessionsHeld,
    long ChurnDisconnects,
    long FramesSent,
    long BytesSent,
    long AudioBytesSent,
    long LateFrames,
    long Errors,
    IReadOnlyDictionary<string, long> ErrorCounts,
    LatencySummary SendLatencyMs,
    double WallSeconds,
    string StoppedBy)
{
    public async Task WriteTextAsync(TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        var pacing = Speed > 0 ? string.Create(c, $"speed {Speed:0.###}") : "unpaced";
        await output.WriteLineAsync(string.Create(c, $"loadgen {Url} ({Protocol}, {Codec}, {FrameMs} ms frames, {pacing}); stopped by {StoppedBy}"));
        await output.WriteLineAsync(string.Create(c, $"  clients        {Clients}"));
        await output.WriteLineAsync(string.Create(c, $"  sessions       {SessionsOpened} opened, {SessionsHeld} held at the end, {ChurnDisconnects} churn disconnects"));
        await output.WriteLineAsync(string.Create(c, $"  frames         {FramesSent} sent, {LateFrames} late"));
        await output.WriteLineAsync(string.Create(c, $"  bytes          {BytesSent} sent ({AudioBytesSent} audio)"));
        await output.WriteLineAsync(string.Create(c,
            $"  send latency   p50 {SendLatencyMs.P50:0.###} ms, p90 {SendLatencyMs.P90:0.###} ms, p99 {SendLatencyMs.P99:0.###} ms, max {SendLatencyMs.Max:0.###} ms"));
        await output.WriteLineAsync(string.Create(c, $"  errors         {Errors}"));
        foreach (var (kind, count) in ErrorCounts)
        {
            await output.WriteLineAsync(string.Create(c, $"    {count,6}  {kind}"));
        }

        await output.WriteLineAsync(string.Create(c, $"  wall time      {WallSeconds:0.000} s"));
    }
}

internal sealed record LatencySummary(double P50, double P90, double P99, double Max);

/// <summary>Source-generated JSON for the summary (no reflection, AOT-safe).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(LoadgenSummary))]
internal sealed partial class LoadgenJsonContext : JsonSerializerContext;
