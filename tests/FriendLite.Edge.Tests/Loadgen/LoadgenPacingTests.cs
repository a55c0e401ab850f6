using static FriendLite.Edge.Tests.Support.LoadgenHarness;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Loadgen;

/// <summary>Real-time pacing. Serial, so other tests' CPU use cannot make it late; the bounds stay loose anyway.</summary>
[Collection(SerialTests.Name)]
public sealed class LoadgenPacingTests
{
    [Fact]
    public async Task SpeedOne_SendsOneSecondOfAudioInAboutOneSecond()
    {
        using var dir = new TempDirectory();
        var wav = WriteWav(dir, Sine(1.0));
        await using var server = FakeDeviceServer.Start();

        var run = await RunAsync(["--url", server.Url("/ws_omi"), "--audio", wav, "--speed", "1", "--clients", "2", "--json"]);

        run.AssertExitCode(0);
        Assert.Equal(100, run.Number("frames_sent"));
        // 50 frames of 20 ms each: the last leaves 0.98 s after the first.
        Assert.True(run.Elapsed >= TimeSpan.FromSeconds(0.8), $"1 s of audio took {run.Elapsed.TotalSeconds:0.000} s");
        Assert.True(run.Summary.GetProperty("wall_seconds").GetDouble() >= 0.8);
        Assert.True(run.Elapsed < TimeSpan.FromSeconds(10), $"1 s of audio took {run.Elapsed.TotalSeconds:0.000} s");
    }

    [Fact]
    public async Task SpeedTwo_SendsOneSecondOfAudioInAboutHalfASecond()
    {
        using var dir = new TempDirectory();
        var wav = WriteWav(dir, Sine(1.0));
        await using var server = FakeDeviceServer.Start();

        var run = await RunAsync(["--url", server.Url("/ws_pcm"), "--audio", wav, "--speed", "2", "--frame-ms", "10", "--json"]);

        run.AssertExitCode(0);
        Assert.Equal(100, run.Number("frames_sent"));
        Assert.True(run.Elapsed >= TimeSpan.FromSeconds(0.4), $"1 s of audio at 2x took {run.Elapsed.TotalSeconds:0.000} s");
    }
}
