using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text.Json;
using static FriendLite.Edge.Tests.Support.LoadgenHarness;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Loadgen;

/// <summary>
/// <c>loadgen</c> against a fake device server: what goes over the wire for each endpoint, and what
/// the summary counts. Runs are unpaced (<c>--speed 0</c>) unless pacing is what is tested.
/// </summary>
public sealed class LoadgenTests
{
    [Fact]
    public async Task WsOmi_SendsAudioStartThenHeaderPayloadPairsThenAudioStop()
    {
        using var dir = new TempDirectory();
        var wav = WriteWav(dir, Sine(1.0));
        await using var server = FakeDeviceServer.Start();

        var run = await RunAsync(["--url", server.Url("/ws_omi"), "--audio", wav, "--speed", "0", "--json"]);

        run.AssertExitCode(0);
        var connection = Assert.Single(server.Connections);
        await server.WaitUntilAsync(_ => connection.Finished, "the connection to end");
        var frames = connection.Frames;
        Assert.Equal(1 + (2 * 50) + 1, frames.Count);
        var start = Event(frames[0]);
        Assert.Equal("audio-start", start.GetProperty("type").GetString());
        AssertFormat(start.GetProperty("data"));
        for (var i = 1; i < frames.Count - 1; i += 2)
        {
            var header = Event(frames[i]);
            Assert.Equal("audio-chunk", header.GetProperty("type").GetString());
            AssertFormat(header.GetProperty("data"));
            Assert.True(header.GetProperty("data").GetProperty("timestamp").GetInt64() > 1_700_000_000);
            Assert.Equal(WebSocketMessageType.Binary, frames[i + 1].Type);
            Assert.Equal(frames[i + 1].Data.Length, header.GetProperty("payload_length").GetInt32());
        }

        var stop = Event(frames[^1]);
        Assert.Equal("audio-stop", stop.GetProperty("type").GetString());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, connection.CloseStatus);
        Assert.Equal((1, 1, 50, 0), (run.Number("sessions_opened"), run.Number("sessions_held"), run.Number("frames_sent"), run.Number("errors")));
        Assert.Equal(frames.Sum(f => (long)f.Data.Length), run.Number("bytes_sent"));
        Assert.Equal(frames.Where(f => f.Type == WebSocketMessageType.Binary).Sum(f => (long)f.Data.Length), run.Number("audio_bytes_sent"));
        Assert.Equal("end of audio", run.Summary.GetProperty("stopped_by").GetString());
    }

    [Theory]
    [InlineData(20)]
    [InlineData(10)]
    public async Task WsOmi_OpusPayloadsDecodeTo16kAudioOfTheFilesDuration(int frameMs)
    {
        using var dir = new TempDirectory();
        var wav = WriteWav(dir, Sine(1.0, frequency: 440));
        await using var server = FakeDeviceServer.Start();

        var run = await RunAsync(["--url", server.Url("/ws_omi"), "--audio", wav, "--speed", "0", "--frame-ms", $"{frameMs}", "--json"]);

        run.AssertExitCode(0);
        var connection = Assert.Single(server.Connections);
        await server.WaitUntilAsync(_ => connection.Finished, "the connection to end");
        var packets = connection.Frames.Where(f => f.Type == WebSocketMessageType.Binary).Select(f => f.Data).ToList();
        var (pcm, perPacket) = DecodeOpus(packets);
        Assert.Equal(1000 / frameMs, packets.Count);
        Assert.All(perPacket, n => Assert.Equal(16 * frameMs, n));
        Assert.Equal(16000, pcm.Length);
        // The tone survives the codec: 440 Hz is 880 sign changes a second (skip the codec's start-up).
        Assert.InRange(ZeroCrossingsPerSecond(pcm.AsSpan(1600)), 880 * 0.9, 880 * 1.1);
    }

    [Fact]
    public async Task WsPcm_PayloadsAreTheWavSamplesPaddedToWholeFrames()
    {
        using var dir = new TempDirectory();
        var random = new Random(42);
        var samples = Enumerable.Range(0, 8100).Select(_ => (short)random.Next(short.MinValue, short.MaxValue + 1)).ToArray();
        var wav = WriteWav(dir, samples);
        await using var server = FakeDeviceServer.Start();

        var run = await RunAsync(["--url", server.Url("/ws_pcm"), "--audio", wav, "--speed", "0", "--json"]);

        run.AssertExitCode(0);
        var connection = Assert.Single(server.Connections);
        await server.WaitUntilAsync(_ => connection.Finished, "the connection to end");
        var payloads = connection.Frames.Where(f => f.Type == WebSocketMessageType.Binary).ToList();
        Assert.Equal(26, payloads.Count); // 8100 samples = 25 frames of 320 and a padded 26th
        Assert.All(payloads, p => Assert.Equal(640, p.Data.Length));
        var sent = payloads.SelectMany(p => p.Data).ToArray();
        var expected = new byte[sent.Length];
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(expected.AsSpan(2 * i), samples[i]);
        }

        Assert.Equal(expected, sent);
    }

    [Fact]
    public async Task WsPcm_Stereo48kWav_IsSentAs16kMono()
    {
        using var dir = new TempDirectory();
        var wav = WriteWav(dir, Sine(0.5, frequency: 440, rate: 48000, channels: 2), rate: 48000, channels: 2);
        await using var server = FakeDeviceServer.Start();

        var run = await RunAsync(["--url", server.Url("/ws_pcm"), "--audio", wav, "--speed", "0", "--json"]);

        run.AssertExitCode(0);
        var connection = Assert.Single(server.Connections);
        await server.WaitUntilAsync(_ => connection.Finished, "the connection to end");
        var bytes = connection.Frames.Where(f => f.Type == WebSocketMessageType.Binary).SelectMany(f => f.Data).ToArray();
        var pcm = new short[bytes.Length / 2];
        for (var i = 0; i < pcm.Length; i++)
        {
            pcm[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(2 * i));
        }

        Assert.Equal(8000, pcm.Length);
        Assert.InRange(ZeroCrossingsPerSecond(pcm), 880 * 0.95, 880 * 1.05);
    }

    [Fact]
    public async Task LegacyWs_SendsBareOpusPacketsOnly()
    {
        using var dir = new TempDirectory();
        var wav = WriteWav(dir, Sine(1.0));
        await using var server = FakeDeviceServer.Start();

        var run = await RunAsync(["--url", server.Url("/ws"), "--audio", wav, "--speed", "0", "--json"]);

        run.AssertExitCode(0);
        var connection = Assert.Single(server.Connections);
        await server.WaitUntilAsync(_ => connection.Finished, "the connection to end");
        Assert.Equal("/ws", connection.Path);
        Assert.Equal(50, connection.Frames.Count);
        Assert.All(connection.Frames, f => Assert.Equal(WebSocketMessageType.Binary, f.Type));
        var (pcm, _) = DecodeOpus(connection.Frames.Select(f => f.Data));
        Assert.Equal(16000, pcm.Length);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, connection.CloseStatus);
    }

    [Fact]
    public async Task ThreeClients_OpenThreeConnectionsWithDistinctDeviceNamesAndTheToken()
    {
        using var dir = new TempDirectory();
        var wav = WriteWav(dir, Sine(0.2));
        await using var server = FakeDeviceServer.Start();

        var run = await RunAsync(["--url", server.Url("/ws_omi"), "--audio", wav, "--speed", "0", "--clients", "3",
            "--device-name", "bench", "--token", "tok en&1", "--json"]);

        run.AssertExitCode(0);
        Assert.Equal(3, server.Connections.Count);
        Assert.Equal(["bench-1", "bench-2", "bench-3"], server.Connections.Select(c => c.DeviceName).Order());
        Assert.All(server.Connections, c => Assert.Equal("tok en&1", c.Token));
        Assert.Equal((3, 3, 3, 30), (run.Number("clients"), run.Number("sessions_opened"), run.Number("sessions_held"), run.Number("frames_sent")));
    }

    [Fact]
    public async Task UpgradeRefusedWith401_IsCountedAsAConnectErrorAndNotRetried()
    {
        using var dir = new TempDirectory();
        var wav = WriteWav(dir, Sine(0.2));
        await using var server = FakeDeviceServer.Start(refuseWith: 401);

        var run = await RunAsync(["--url", server.Url("/ws_omi"), "--audio", wav, "--speed", "0", "--clients", "2", "--json"]);

        run.AssertExitCode(1);
        Assert.Equal(new Dictionary<string, long> { ["connect: HTTP 401"] = 2 }, run.ErrorCounts);
        Assert.Equal((0, 2, 2), (run.Number("sessions_opened"), run.Number("errors"), (long)server.Refused));
        Assert.Equal("clients gave up", run.Summary.GetProperty("stopped_by").GetString());
        Assert.Contains("warn loadgen: connect: HTTP 401", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerCloseMidStream_IsCountedWithCodeAndReason_AndTheClientReconnects()
    {
        using var dir = new TempDirectory();
        var wav = WriteWav(dir, Sine(20));
        await using var server = FakeDeviceServer.Start(closeAfterFrames: n => n == 1 ? new FakeClose(5, WebSocketCloseStatus.PolicyViolation, "quota") : null);
        using var stop = new CancellationTokenSource();

        // The server's close must come while the client still streams, or it crosses the client's own close (then
        // rightly "close answered with"). The fake server shares this process's thread pool and can read the fifth
        // frame late under a parallel run, so the paced audio lasts longer than any wait here; the run is stopped
        // once the second session streams.
        var running = RunAsync(["--url", server.Url("/ws_omi"), "--audio", wav, "--speed", "1", "--json"], stop.Token);
        try
        {
            await server.WaitUntilAsync(s => s.Connections.Count == 2 && s.Connections[1].FrameCount >= 3, "the client to reconnect and stream");
        }
        finally
        {
            await stop.CancelAsync();
        }

        var run = await running;
        run.AssertExitCode(1);
        Assert.Equal(new Dictionary<string, long> { ["closed by server: 1008 (PolicyViolation) quota"] = 1 }, run.ErrorCounts);
        Assert.Equal(2, run.Number("sessions_opened"));
        Assert.Equal(2, server.Connections.Count);
        var second = server.Connections[1];
        await server.WaitUntilAsync(_ => second.Finished, "the second connection to end");
        Assert.Equal("audio-stop", Event(second.Frames[^1]).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Duration_LoopsTheAudioUntilTimeIsUp()
    {
        using var dir = new TempDirectory();
        var wav = WriteWav(dir, Sine(0.2)); // 10 frames
        await using var server = FakeDeviceServer.Start();

        var run = await RunAsync(["--url", server.Url("/ws_omi"), "--audio", wav, "--speed", "4", "--duration", "1s", "--json"]);

        run.AssertExitCode(0);
        // More than the file's 10 frames: it looped. (How many more depends on the machine's load, which is not what this test is about.)
        Assert.True(run.Number("frames_sent") > 10, $"only {run.Number("frames_sent")} frames in 1 s at 4x speed: the 10-frame file was not looped");
        Assert.Equal("duration", run.Summary.GetProperty("stopped_by").GetString());
        Assert.Equal(1, run.Number("sessions_held"));
        var connection = Assert.Single(server.Connections);
        await server.WaitUntilAsync(_ => connection.Finished, "the connection to end");
        Assert.Equal("audio-stop", Event(connection.Frames[^1]).GetProperty("type").GetString());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, connection.CloseStatus);
    }

    [Fact]
    public async Task Cancellation_ClosesGracefullyAndStillPrintsTheSummary()
    {
        using var dir = new TempDirectory();
        var wav = WriteWav(dir, Sine(1.0));
        await using var server = FakeDeviceServer.Start();
        using var cancel = new CancellationTokenSource();

        // Cancelled once both clients stream (a fixed delay could fire before a loaded machine had connected them).
        var running = RunAsync(["--url", server.Url("/ws_omi"), "--audio", wav, "--duration", "1m", "--clients", "2", "--json"], cancel.Token);
        try
        {
            await server.WaitUntilAsync(s => s.Connections.Count == 2 && s.Connections.All(c => c.FrameCount >= 3), "both clients to stream");
        }
        finally
        {
            await cancel.CancelAsync();
        }

        var run = await running;
        run.AssertExitCode(0);
        Assert.True(run.Elapsed < TimeSpan.FromSeconds(20), $"took {run.Elapsed}");
        Assert.Equal("signal", run.Summary.GetProperty("stopped_by").GetString());
        Assert.Equal(2, run.Number("sessions_held"));
        await server.WaitUntilAsync(s => s.Connections.All(c => c.Finished), "the connections to end");
        Assert.All(server.Connections, c =>
        {
            Assert.Equal("audio-stop", Event(c.Frames[^1]).GetProperty("type").GetString());
            Assert.Equal(WebSocketCloseStatus.NormalClosure, c.CloseStatus);
        });
    }

    [Fact]
    public async Task Churn_DisconnectsAndReconnectsWithoutCountingErrors()
    {
        using var dir = new TempDirectory();
        var wav = WriteWav(dir, Sine(1.0));
        await using var server = FakeDeviceServer.Start();

        // 300 a minute is a mean session of 0.2 s: a 1.5 s run without any reconnect has odds below 1 in 1000.
        var run = await RunAsync(["--url", server.Url("/ws_omi"), "--audio", wav, "--duration", "1500ms", "--churn", "300", "--json"]);

        run.AssertExitCode(0);
        var disconnects = run.Number("churn_disconnects");
        Assert.True(disconnects >= 1, run.Output);
        // Every disconnect is followed by a new session, unless the run ended before it connected.
        Assert.InRange(run.Number("sessions_opened"), disconnects, disconnects + 1);
        Assert.Equal(run.Number("sessions_opened") - disconnects, run.Number("sessions_held"));
        await server.WaitUntilAsync(s => s.Connections.Count >= run.Number("sessions_opened"), "every session to reach the server");
        // One more is a reconnect whose upgrade the end of the run cancelled: the server saw its request, the run never counted it opened.
        Assert.InRange(server.Connections.Count, run.Number("sessions_opened"), run.Number("sessions_opened") + 1);
    }

    private static async Task<LoadgenRun> RunAsync(string[] args, CancellationToken cancellationToken = default) =>
        await LoadgenHarness.RunAsync(args, cancellationToken);

    private static JsonElement Event(FakeFrame frame)
    {
        Assert.Equal(WebSocketMessageType.Text, frame.Type);
        using var document = JsonDocument.Parse(frame.Data);
        return document.RootElement.Clone();
    }

    private static void AssertFormat(JsonElement data)
    {
        Assert.Equal(16000, data.GetProperty("rate").GetInt32());
        Assert.Equal(2, data.GetProperty("width").GetInt32());
        Assert.Equal(1, data.GetProperty("channels").GetInt32());
    }
}
