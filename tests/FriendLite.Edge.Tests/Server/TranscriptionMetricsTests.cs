using static FriendLite.Edge.Tests.Support.DeviceSupport;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Server;

/// <summary><c>/metrics</c> on transcription: the latency of each stored transcript, failures, and the remote ASR's circuit breaker.</summary>
public sealed class TranscriptionMetricsTests
{
    private static readonly string[] Bounds = ["0.25", "0.5", "1", "2", "5", "10", "30", "60", "300", "+Inf"];

    [Fact]
    public async Task Metrics_TranscriptsStored_TheLatencyHistogramCountsEachInCumulativeBuckets()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { Engine = ScriptedEngine.ForConversation3Utt });
        var (user, token) = await server.CreateUserAsync("admin@example.com", admin: true);
        using var admin = server.ClientWithToken(token);

        await StreamPcmAsync(server, token, Fixtures.Samples("conversation-3utt.wav"));
        var conversation = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        var rows = await TranscriptRowsAsync(server, conversation.Id, 3);
        await WaitUntilAsync(() => server.Server.Scheduler!.Latency.Count == rows.Count, "the latency of every stored transcript");
        var metrics = await MetricsScrape.ReadAsync(admin);

        var buckets = Bounds.Select(b => metrics[$"friendlite_transcription_latency_seconds_bucket{{le=\"{b}\"}}"]).ToList();
        Assert.Equal(rows.Count, metrics["friendlite_transcription_latency_seconds_count"]);
        Assert.Equal(rows.Count, buckets[^1]);
        Assert.Equal(buckets.Order(), buckets); // cumulative: never fewer at a larger bound
        Assert.True(metrics["friendlite_transcription_latency_seconds_sum"] > 0);
        Assert.Equal(3, metrics["friendlite_transcription_completed_total"]);
        Assert.Equal(0, metrics["friendlite_transcription_failed_total"]);
    }

    [Fact]
    public async Task Metrics_WithoutTranscription_TheLatencyHistogramIsThereAndEmpty()
    {
        await using var server = await TestServer.StartAsync();
        var (_, token) = await server.CreateUserAsync("admin@example.com", admin: true);
        using var admin = server.ClientWithToken(token);

        var metrics = await MetricsScrape.ReadAsync(admin);

        Assert.Equal(0, metrics["friendlite_transcription_latency_seconds_count"]);
        Assert.Equal(0, metrics["friendlite_transcription_latency_seconds_bucket{le=\"+Inf\"}"]);
        Assert.DoesNotContain(metrics.Keys, k => k.StartsWith("friendlite_circuit_breaker_state{", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_RemoteAsrFailsThreeTimesInARow_ItsBreakerOpensAndTheFailuresAreCounted()
    {
        await using var asr = FakeAsr.Start(FakeAsr.Reply.Inline, garbageFirst: 3);
        await using var server = await TestServer.StartAsync(configure: o => o with { Offline = false, Asr = asr.Address });
        var (_, token) = await server.CreateUserAsync("admin@example.com", admin: true);
        using var admin = server.ClientWithToken(token);
        var before = await MetricsScrape.ReadAsync(admin);

        await StreamPcmAsync(server, token, Fixtures.Samples("conversation-3utt.wav"));
        var opened = await WaitForAsync(async () =>
        {
            var now = await MetricsScrape.ReadAsync(admin);
            return now["friendlite_circuit_breaker_state{name=\"asr\"}"] == 2 ? now : null;
        }, "the ASR's breaker to open");

        Assert.Equal((0, 0), (before["friendlite_circuit_breaker_state{name=\"asr\"}"], before["friendlite_circuit_breaker_opened_total{name=\"asr\"}"]));
        Assert.Equal(1, opened["friendlite_circuit_breaker_opened_total{name=\"asr\"}"]);
        Assert.Equal(3, opened["friendlite_transcription_failed_total"]);
        Assert.Equal(0, opened["friendlite_transcription_completed_total"]);
    }
}
