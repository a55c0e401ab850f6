using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Tests.Transcription;

/// <summary>The Wyoming remote engine against a small Wyoming ASR server written here.</summary>
public sealed class WyomingTranscriberTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Transcribe_SpeaksTheProtocolAndReturnsTheServersText(bool textInDataBlock)
    {
        await using var server = FakeAsr.Start(textInDataBlock ? FakeAsr.Reply.DataBlock : FakeAsr.Reply.Inline);
        var engine = Engine(server.Port);
        var samples = new float[40_000];

        var segments = await engine.TranscribeAsync(samples, CancellationToken.None);

        var segment = Assert.Single(segments);
        Assert.Equal("heard 80000 bytes in 3 chunks", segment.Text);
        Assert.Equal((0.0, 2.5), (segment.Start, segment.End));
        Assert.Equal(["transcribe", "audio-start", "audio-chunk", "audio-chunk", "audio-chunk", "audio-stop"], await server.EventsAsync());
        Assert.True(await server.ClosedByClient.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Cancel_WhileTheServerThinks_ClosesTheConnection()
    {
        await using var server = FakeAsr.Start(FakeAsr.Reply.Never);
        var engine = Engine(server.Port);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.TranscribeAsync(new float[16000], cancel.Token));

        // SCENARIOS row 6: the ASR connection does not outlive the request that opened it.
        Assert.True(await server.ClosedByClient.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ServerThatNeverAnswers_TimesOutAsAnIoError()
    {
        await using var server = FakeAsr.Start(FakeAsr.Reply.Never);
        var engine = new WyomingTranscriber(new Uri($"wyoming://127.0.0.1:{server.Port}"), offline: false, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(300),
            new CircuitBreaker(3, TimeSpan.FromMinutes(1), TimeProvider.System));

        var thrown = await Assert.ThrowsAsync<IOException>(() => engine.TranscribeAsync(new float[1600], CancellationToken.None));

        Assert.Contains("did not answer", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplyThatIsNotJson_IsAnIoErrorSayingSo_AndTheNextRequestSucceeds()
    {
        await using var server = FakeAsr.Start(FakeAsr.Reply.Inline, garbageFirst: 1);
        var engine = Engine(server.Port);

        var thrown = await Assert.ThrowsAsync<IOException>(() => engine.TranscribeAsync(new float[1600], CancellationToken.None));
        var segments = await engine.TranscribeAsync(new float[1600], CancellationToken.None);

        Assert.Contains("not a Wyoming event", thrown.Message, StringComparison.Ordinal);
        Assert.Equal("heard 3200 bytes in 1 chunks", Assert.Single(segments).Text);
    }

    [Fact]
    public async Task ServerDown_ThreeFailuresOpenTheBreakerAndTheNextCallFailsAtOnce()
    {
        var port = TestServer.FreePort(); // nothing listens there
        var engine = Engine(port);

        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<IOException>(() => engine.TranscribeAsync(new float[160], CancellationToken.None));
        }

        var fast = await Assert.ThrowsAsync<EngineUnavailableException>(() => engine.TranscribeAsync(new float[160], CancellationToken.None));
        Assert.Contains("failed repeatedly", fast.Message, StringComparison.Ordinal);
        Assert.InRange(fast.RetryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1)); // the scheduler rests its worker this long
    }

    [Fact]
    public void Offline_IsRefused()
    {
        var thrown = Assert.Throws<InvalidOperationException>(() =>
            new WyomingTranscriber(new Uri("wyoming://asr.local:10300"), offline: true, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), new CircuitBreaker(3, TimeSpan.FromMinutes(1), TimeProvider.System)));

        Assert.Contains("--offline forbids", thrown.Message, StringComparison.Ordinal);
    }

    private static WyomingTranscriber Engine(int port) =>
        new(new Uri($"wyoming://127.0.0.1:{port}"), offline: false, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), new CircuitBreaker(3, TimeSpan.FromMinutes(1), TimeProvider.System));
}
