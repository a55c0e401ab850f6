using System.Net;
using System.Text.RegularExpressions;
using FriendLite.Edge.Tests.Memory;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Server;

/// <summary><c>GET /metrics</c>: Prometheus' text format, for administrators only.</summary>
public sealed partial class MetricsTests
{
    [Fact]
    public async Task Metrics_AreValidPrometheusText_WithJobsByKindAndState()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { ExtractionPollInterval = TimeSpan.FromMilliseconds(50) });
        var (admin, token) = await server.CreateUserAsync("admin@example.com", admin: true);
        var conversation = await ExtractionJobTests.SeedAsync(server, admin.Id, [" I like tea."]);
        await ExtractionJobTests.WaitForExtractionAsync(server, conversation);
        using var client = server.ClientWithToken(token);

        using var response = await client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines.Where(l => !l.StartsWith('#')), l => Assert.Matches(Sample(), l));
        var typed = lines.Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).ToDictionary(l => l.Split(' ')[2], l => l.Split(' ')[3]);
        Assert.All(lines.Where(l => !l.StartsWith('#')), l => Assert.Contains(Family(l.Split('{', ' ')[0], typed), typed.Keys));
        Assert.Contains("friendlite_devices 0", lines);
        Assert.Contains("friendlite_jobs{kind=\"extract\",state=\"done\"} 1", lines);
        Assert.Contains("friendlite_extractions_completed_total 1", lines);
        Assert.Contains(lines, l => l.StartsWith("process_open_fds ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("friendlite_connections_ended_total{reason=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_AreForAdministratorsOnly()
    {
        await using var server = await TestServer.StartAsync();
        var (_, token) = await server.CreateUserAsync("ann@example.com");
        using var user = server.ClientWithToken(token);

        using var anonymous = await server.Client.GetAsync("/metrics");
        using var plain = await user.GetAsync("/metrics");

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden), (anonymous.StatusCode, plain.StatusCode));
    }

    /// <summary>The family a sample belongs to: a histogram's <c>_bucket</c>, <c>_sum</c> and <c>_count</c> are its own.</summary>
    private static string Family(string sample, Dictionary<string, string> typed) =>
        new[] { "_bucket", "_sum", "_count" }.Where(s => sample.EndsWith(s, StringComparison.Ordinal)).Select(s => sample[..^s.Length])
            .FirstOrDefault(name => typed.GetValueOrDefault(name) == "histogram") ?? sample;

    /// <summary>A sample line: a name, optional labels with quoted values, a number.</summary>
    [GeneratedRegex("""^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*\})? -?[0-9.eE+-]+$""")]
    private static partial Regex Sample();
}
