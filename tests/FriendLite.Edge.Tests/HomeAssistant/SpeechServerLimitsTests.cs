using System.Text;
using FriendLite.Edge.Tests.Support;
using static FriendLite.Edge.Tests.Support.DeviceSupport;

namespace FriendLite.Edge.Tests.HomeAssistant;

/// <summary>
/// The speech server against clients that break the rules, with SCENARIOS.md's invariants after
/// each: a clear <c>error</c> event and a close for a malformed or oversized event, the close of a
/// half-open client and of one that does not read, a client that leaves mid-request (its command
/// withdrawn or its run cancelled and joined), <c>--max-sessions</c> counting its connections, and a
/// stop while a command runs. Afterwards no connection, task group, thread, file or socket of theirs
/// is left, and the registry is empty.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class SpeechServerLimitsTests
{
    [Theory]
    [InlineData("this is not json\n", "invalid JSON")]
    [InlineData("{\"type\": 5}\n", "'type' must be a string")]
    [InlineData("{\"data\": {}}\n", "the event has no 'type'")]
    [InlineData("{\"type\": \"audio-chunk\", \"payload_length\": -4}\n", "'payload_length' must not be negative")]
    [InlineData("{\"type\": \"audio-start\", \"data\": {\"rate\": 3, \"width\": 2, \"channels\": 1}}\n", "sample rate 3 Hz is not supported")]
    [InlineData("{\"type\": \"audio-chunk\", \"payload_length\": 4}\nabcd", "an audio-chunk without a format")]
    [InlineData("{\"type\": \"transcribe\", \"data_length\": 12}\n{\"language\":", "invalid JSON")]
    public async Task AMalformedEvent_AnErrorSayingWhatThenTheClose(string sent, string said)
    {
        await using var engine = new SteppedEngine();
        await using var server = await SpeechServerTests.StartAsync(engine);
        var baseline = Invariants.Take();
        await using (var client = await SpeechServerTests.ConnectAsync(server))
        {
            await client.SendAsync("describe");
            await client.ReadAsync();
            await client.SendRawAsync(Encoding.UTF8.GetBytes(sent));

            var error = await client.ReadAsync();
            Assert.Equal("error", error!.Type);
            Assert.Equal("bad-event", error.Data["code"]!.GetValue<string>());
            Assert.Contains(said, error.Text, StringComparison.Ordinal);
            Assert.True(await client.ClosedByServerAsync(), "the server closes the connection after a bad event");
        }

        await AssertCleanAsync(server, baseline);
    }

    [Fact]
    public async Task OversizedEvents_AnErrorThenTheClose_BeforeTheirBytesAreBuffered()
    {
        await using var engine = new SteppedEngine();
        await using var server = await SpeechServerTests.StartAsync(engine);
        var baseline = Invariants.Take();
        string?[] said = new string?[3];
        await using (var client = await SpeechServerTests.ConnectAsync(server))
        {
            await client.SendRawAsync(Encoding.UTF8.GetBytes("{\"type\": \"audio-chunk\", \"payload_length\": 104857600}\n"));
            said[0] = (await client.ReadAsync())?.Text;
            Assert.True(await client.ClosedByServerAsync());
        }

        await using (var client = await SpeechServerTests.ConnectAsync(server))
        {
            await client.SendRawAsync(Encoding.UTF8.GetBytes("{\"type\": \"transcribe\", \"data_length\": 10000000}\n"));
            said[1] = (await client.ReadAsync())?.Text;
            Assert.True(await client.ClosedByServerAsync());
        }

        await using (var client = await SpeechServerTests.ConnectAsync(server))
        {
            await client.SendRawAsync(Encoding.UTF8.GetBytes("{\"type\": \"" + new string('x', 100_000)));
            said[2] = (await client.ReadAsync())?.Text;
            Assert.True(await client.ClosedByServerAsync());
        }

        Assert.Contains("a payload of 104857600 bytes; at most 1048576 are taken", said[0], StringComparison.Ordinal);
        Assert.Contains("10000000 bytes of data; at most 65536 are taken", said[1], StringComparison.Ordinal);
        Assert.Contains("an event header longer than 65536 bytes", said[2], StringComparison.Ordinal);
        await AssertCleanAsync(server, baseline);
    }

    [Fact]
    public async Task ACommandLongerThanTheLimit_AnErrorThenTheClose_NothingTranscribed()
    {
        await using var engine = new SteppedEngine();
        await using var server = await SpeechServerTests.StartAsync(engine, speech: o => o with { MaxCommand = TimeSpan.FromSeconds(2) });
        var baseline = Invariants.Take();
        await using (var client = await SpeechServerTests.ConnectAsync(server))
        {
            await client.SendCommandAsync(SpeechServerTests.Seconds(3));
            var error = (await client.ReadUntilAsync("error"))[^1];
            Assert.Contains("longer than 2 s", error.Text, StringComparison.Ordinal);
            Assert.True(await client.ClosedByServerAsync());
        }

        Assert.Empty(engine.Runs);
        await AssertCleanAsync(server, baseline);
    }

    [Fact]
    public async Task AHalfOpenClient_IsClosedAfterTheIdleTimeout()
    {
        await using var engine = new SteppedEngine();
        await using var server = await SpeechServerTests.StartAsync(engine, speech: o => o with { IdleTimeout = TimeSpan.FromSeconds(1) });
        var baseline = Invariants.Take();
        await using (var client = await SpeechServerTests.ConnectAsync(server))
        {
            // Half of an event, then silence: neither a FIN nor the rest.
            await client.SendRawAsync(Encoding.UTF8.GetBytes("{\"type\": \"audio-chunk\", \"payload_length\": 100}\nabc"));
            Assert.True(await client.ClosedByServerAsync(TimeSpan.FromSeconds(20)), "the server closes a client that stopped sending");
        }

        await AssertCleanAsync(server, baseline);
    }

    [Fact]
    public async Task ACommandTranscribedForLongerThanTheIdleTimeout_IsAnsweredAndTheConnectionGoesOn()
    {
        await using var engine = new SteppedEngine();
        await using var server = await SpeechServerTests.StartAsync(engine, speech: o => o with { IdleTimeout = TimeSpan.FromSeconds(1) });
        await using var client = await SpeechServerTests.ConnectAsync(server);
        await client.SendCommandAsync(SpeechServerTests.Seconds(1));
        await WaitUntilAsync(() => engine.Runs.Count == 1, "the command to run");

        await Task.Delay(TimeSpan.FromSeconds(2.5)); // the engine takes longer than the idle timeout: the client is waiting, not idle
        engine.Step();
        var answer = await client.ReadUntilAsync("transcript-stop");
        await client.SendAsync("describe");
        var next = await client.ReadAsync();

        Assert.Equal("heard 16000 samples", answer.Single(e => e.Type == "transcript").Text);
        Assert.Equal("info", next?.Type);
    }

    [Fact]
    public async Task AClientThatDoesNotRead_IsClosedAfterTheWriteTimeout()
    {
        await using var engine = new SteppedEngine();
        await using var server = await SpeechServerTests.StartAsync(engine, speech: o => o with { WriteTimeout = TimeSpan.FromSeconds(1) });
        var baseline = Invariants.Take();
        await using (var client = await WyomingTestClient.ConnectAsync(server.Server.Speech!.EndPoint, receiveBuffer: 4096))
        {
            // Asks and asks, never reads: the answers fill both sides' buffers, and a write waits.
            var describe = Encoding.UTF8.GetBytes("{\"type\": \"describe\"}\n");
            await client.SendRawAsync(describe);
            await WaitUntilAsync(() => server.Server.Speech!.Counters.Open == 1, "the connection to be served");
            var closed = false;
            var deadline = DateTime.UtcNow.AddSeconds(60); // however large the kernel's buffers grow, not forever
            for (var i = 1; !closed && DateTime.UtcNow < deadline; i++)
            {
                try
                {
                    await client.SendRawAsync(describe);
                }
                catch (IOException)
                {
                    closed = true;
                }

                closed |= i % 1000 == 0 && server.Server.Speech!.Counters.Open == 0;
            }

            Assert.True(closed, "the server closed the connection of a client that does not read");
        }

        await AssertCleanAsync(server, baseline);
    }

    [Fact]
    public async Task AClientThatLeavesWhileItsCommandWaits_HasItWithdrawnUnrun()
    {
        await using var engine = new SteppedEngine();
        await using var server = await SpeechServerTests.StartAsync(engine);
        var scheduler = server.Server.Scheduler!;
        var baseline = Invariants.Take();
        await using var busy = await SpeechServerTests.ConnectAsync(server);
        await busy.SendCommandAsync(SpeechServerTests.Seconds(1)); // holds the worker
        await WaitUntilAsync(() => engine.Runs.Count == 1, "the first command to run");
        await using (var leaving = await SpeechServerTests.ConnectAsync(server))
        {
            await leaving.SendCommandAsync(SpeechServerTests.Seconds(2));
            await WaitUntilAsync(() => scheduler.CommandsWaiting == 1, "the second command to wait");
        }

        await WaitUntilAsync(() => scheduler.CommandsWaiting == 0 && server.Server.Speech!.Counters.Open == 1, "the departed client's command to be withdrawn");
        engine.Step(5);
        await busy.ReadUntilAsync("transcript-stop");
        await busy.DisposeAsync();

        Assert.Equal([16000], engine.Runs.Select(r => r.Samples)); // the withdrawn command never ran
        await AssertCleanAsync(server, baseline);
    }

    [Fact]
    public async Task AClientThatLeavesWhileItsCommandRuns_HasTheRunCancelledAndJoined()
    {
        await using var engine = new SteppedEngine();
        await using var server = await SpeechServerTests.StartAsync(engine);
        var baseline = Invariants.Take();
        await using (var client = await SpeechServerTests.ConnectAsync(server))
        {
            await client.SendCommandAsync(SpeechServerTests.Seconds(1));
            await WaitUntilAsync(() => engine.Runs.Count == 1, "the command to run");
        }

        await WaitUntilAsync(() => engine.Cancelled == 1, "the run to be cancelled");
        await AssertCleanAsync(server, baseline);
        Assert.Equal(0, server.Server.Scheduler!.Running);
    }

    [Fact]
    public async Task AClientThatLeavesInsideItsAudio_LeavesNothing()
    {
        await using var engine = new SteppedEngine();
        await using var server = await SpeechServerTests.StartAsync(engine);
        var baseline = Invariants.Take();
        await using (var client = await SpeechServerTests.ConnectAsync(server))
        {
            await client.SendAsync("transcribe", new { language = "en" });
            await client.SendAsync("audio-start", new { rate = 16000, width = 2, channels = 1 });
            await client.SendRawAsync(Encoding.UTF8.GetBytes("{\"type\": \"audio-chunk\", \"data\": {\"rate\": 16000, \"width\": 2, \"channels\": 1}, \"payload_length\": 3200}\n"));
            await client.SendRawAsync(new byte[1000]); // and leaves inside the payload
            await WaitUntilAsync(() => server.Server.Speech!.Counters.Open == 1, "the connection to be served");
        }

        await AssertCleanAsync(server, baseline);
        Assert.Empty(engine.Runs);
    }

    [Fact]
    public async Task MaxSessions_CountsWyomingConnections_TheOneTooManyIsToldAndClosed()
    {
        await using var engine = new SteppedEngine();
        await using var server = await SpeechServerTests.StartAsync(engine, more: o => o with { MaxSessions = 1 });
        var (_, token) = await server.CreateUserAsync("ann@example.com");
        await using (var first = await SpeechServerTests.ConnectAsync(server))
        {
            await first.SendAsync("describe");
            await first.ReadAsync();
            await using var second = await SpeechServerTests.ConnectAsync(server);
            var refused = await second.ReadAsync();
            Assert.Equal("server-full", refused!.Data["code"]!.GetValue<string>());
            Assert.True(await second.ClosedByServerAsync());
            var device = await Assert.ThrowsAnyAsync<Exception>(() => DeviceClient.ConnectAsync(server, "/ws_pcm", token));
            Assert.Contains("503", device.Message, StringComparison.Ordinal);
        }

        await WaitUntilAsync(() => server.Server.Sessions.OtherCount == 0, "the first connection's place to be given back");
        await using var again = await SpeechServerTests.ConnectAsync(server);
        await again.SendAsync("describe");
        Assert.Equal("info", (await again.ReadAsync())!.Type);
    }

    [Fact]
    public async Task StopWhileACommandRuns_TheClientIsToldAndTheStopFinishesInTime()
    {
        await using var engine = new SteppedEngine();
        var server = await SpeechServerTests.StartAsync(engine);
        await using var client = await SpeechServerTests.ConnectAsync(server);
        await client.SendCommandAsync(SpeechServerTests.Seconds(1));
        await WaitUntilAsync(() => engine.Runs.Count == 1, "the command to run");

        var stopped = server.Server.StopAsync();
        var told = await client.ReadUntilAsync("error");

        Assert.Equal("stopping", told[^1].Data["code"]!.GetValue<string>());
        Assert.True(await stopped, "the stop finished within its deadline");
        Assert.Equal(1, engine.Cancelled);
        await server.DisposeAsync();
    }

    /// <summary>The invariants, and the speech server's own: no connection open, no place held in the registry, no socket left on its port.</summary>
    private static async Task AssertCleanAsync(TestServer server, Invariants baseline)
    {
        var speech = server.Server.Speech!;
        await WaitUntilAsync(() => speech.Counters.Open == 0 && server.Server.Sessions.OtherCount == 0
            && Invariants.EstablishedServerConnections(speech.EndPoint.Port) == 0, "every Wyoming connection to be gone");
        await Invariants.AssertBackToAsync(baseline, server);
        Assert.Equal(0, server.Server.Scheduler!.CommandsWaiting);
    }
}
