using System.Globalization;
using System.Net.WebSockets;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Wyoming;
using static FriendLite.Edge.Tests.Support.DeviceSupport;

namespace FriendLite.Edge.Tests.Sessions;

/// <summary>
/// <c>--max-realtime-factor</c>: a device may send at most 4 s of audio per second of the server's
/// clock after a 60 s burst. The clock is a <see cref="ManualTime"/> that stands still unless the
/// test moves it, so "as fast as TCP allows" is exact, not a race.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class RealtimeLimitTests
{
    private const int Second = 16000;

    [Fact]
    public async Task DeviceFloodsFasterThanRealTime_ClosedWith1008AfterTheBurst_WhatWasAcceptedIsStored_ReconnectingUnderAnyNameDoesNotRefillIt()
    {
        var clock = new ManualTime(DateTimeOffset.Parse("2026-12-02T08:00:00Z", CultureInfo.InvariantCulture));
        var lines = new LogLines(LogLevel.Info);
        await using var server = await TestServer.StartAsync(log: lines.Log, configure: o => o with { Time = clock });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var baseline = Invariants.Take();
        var jfk = Fixtures.Samples("jfk.wav");
        short[] audio = [.. jfk, .. jfk, .. jfk, .. jfk, .. jfk, .. jfk]; // 66 s, sent in 1 s chunks with the clock standing still

        var (status, reason) = await FloodAsync(server, token, audio, "flood");
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Equal("audio sent faster than 4x real time", reason);
        var first = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        Assert.Equal(60 * Second, first.SampleCount); // the 60 s burst, every sample of it
        Assert.Equal(audio[..(60 * Second)], WavFile.Read(first.AudioPath!).Samples);
        Assert.Contains(lines.Lines, l => l.Contains("closing: audio sent faster than 4x real time", StringComparison.Ordinal));

        // Five seconds later the account may send 4 x 5 s: reconnecting, even under another device name, buys no new burst.
        clock.Advance(TimeSpan.FromSeconds(5));
        (status, reason) = await FloodAsync(server, token, audio, "another-name");
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        var second = (await ClosedConversationsAsync(server, user.Id, 2)).Single(c => c.Id != first.Id);
        Assert.Equal(20 * Second, second.SampleCount);

        using var health = await FreeSpaceTests.HealthAsync(server);
        var limits = health.RootElement.GetProperty("limits");
        Assert.Equal(4, limits.GetProperty("max_realtime_factor").GetDouble());
        Assert.Equal(60, limits.GetProperty("realtime_burst_seconds").GetDouble());
        Assert.Equal(2, limits.GetProperty("sessions_over_realtime").GetInt64());
        await Invariants.AssertBackToAsync(baseline, server);
    }

    [Fact]
    public async Task DeviceCatchingUpItsBacklog_WithinTheBurstAndTheFactor_IsNeverCut()
    {
        var clock = new ManualTime(DateTimeOffset.Parse("2026-12-02T08:00:00Z", CultureInfo.InvariantCulture));
        await using var server = await TestServer.StartAsync(configure: o => o with { Time = clock });
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var jfk = Fixtures.Samples("jfk.wav");

        // Back from 50 s offline: the buffered 50 s at once, then 3 s of audio per second (live plus catch-up) for 30 s.
        await using var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token, "omi");
        await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
        var sent = Loop(jfk, 50 * Second);
        await device.SendPcmAsync(sent, AudioFormat.Speech, Second);
        for (var i = 0; i < 30; i++)
        {
            // Each second's audio is read before the clock moves on, as it would be at 3x real time.
            var chunks = sent.Length / Second;
            await WaitUntilAsync(() => server.Server.Sessions.List(null).Single().Session?.Recorder.PacketsDecoded == chunks, $"{chunks} s to be stored");
            clock.Advance(TimeSpan.FromSeconds(1));
            var more = Loop(jfk, 3 * Second);
            await device.SendPcmAsync(more, AudioFormat.Speech, Second);
            sent = [.. sent, .. more];
        }

        await device.SendEventAsync(WyomingEvent.AudioStop);
        await device.CloseAsync();

        var conversation = Assert.Single(await ClosedConversationsAsync(server, user.Id, 1));
        Assert.Equal(sent.Length, conversation.SampleCount);
        Assert.Equal(sent, WavFile.Read(conversation.AudioPath!).Samples);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, device.Socket.CloseStatus);
    }

    /// <summary>One device session: audio-start, then every chunk as fast as TCP takes it; the server's close.</summary>
    private static async Task<(WebSocketCloseStatus? Status, string? Reason)> FloodAsync(TestServer server, string token, short[] audio, string deviceName)
    {
        var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token, deviceName);
        await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
        var sending = device.SendPcmAsync(audio, AudioFormat.Speech, Second);
        var closed = await device.WaitForCloseAsync(TimeSpan.FromSeconds(15), answer: false);
        await Task.WhenAny(sending, Task.Delay(TimeSpan.FromSeconds(10)));
        await device.DisposeAsync();
        await WaitForNoSessionsAsync(server);
        return closed;
    }

    private static short[] Loop(short[] samples, int length) =>
        [.. Enumerable.Range(0, length).Select(i => samples[i % samples.Length])];
}
