using static FriendLite.Edge.Tests.Support.LoadgenHarness;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Loadgen;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Loadgen;

/// <summary>loadgen's parts without a network: flags, WAV reading, URLs and the latency histogram.</summary>
public sealed class LoadgenUnitTests
{
    [Theory]
    [InlineData("--frame-ms", "15", "--frame-ms '15' must be 10 or 20.")]
    [InlineData("--url", "http://h/ws_omi", "--url 'http://h/ws_omi' is not a ws:// or wss:// URL.")]
    [InlineData("--url", "ws://h/api/audio", "--url 'ws://h/api/audio' has a path that is not a device endpoint (use /ws_omi, /ws_pcm or /ws).")]
    [InlineData("--speed", "fast", "--speed 'fast' is not a speed from 0 (unpaced) to 1000.")]
    [InlineData("--codec", "mp3", "--codec 'mp3' is not opus or pcm.")]
    [InlineData("--clients", "0", "--clients '0' is not a whole number from 1 to 100000.")]
    [InlineData("--duration", "0s", "--duration '0s' must be longer than 0.")]
    [InlineData("--codec", "pcm", "--codec pcm does not fit /ws, which carries bare Opus packets: use /ws_pcm for PCM.")]
    public async Task BadFlag_ExitsTwoWithOneSentence(string flag, string value, string expected)
    {
        string[] args = flag == "--url" ? [flag, value, "--audio", "a.wav"] : ["--url", "ws://127.0.0.1:1/ws", "--audio", "a.wav", flag, value];

        var run = await RunAsync(args);

        Assert.Equal(2, run.Code);
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"error: {expected}", lines[0].TrimEnd());
        Assert.Equal("Run 'friendlite-edge loadgen --help' for usage.", lines[1].TrimEnd());
    }

    [Theory]
    [InlineData("--audio", "a.wav", "error: --url is required, e.g. --url ws://127.0.0.1:8000/ws_omi.")]
    [InlineData("--url", "ws://h/ws_omi", "error: --audio is required: give a WAV file to stream.")]
    public async Task MissingRequiredOption_ExitsTwoNamingIt(string flag, string value, string expected)
    {
        var run = await RunAsync([flag, value]);

        Assert.Equal(2, run.Code);
        Assert.StartsWith(expected, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALawWav_ExitsOneWithOneSentence()
    {
        using var dir = new TempDirectory();
        var wav = WriteWav(dir, new short[1600], bits: 8);
        var bytes = File.ReadAllBytes(wav);
        bytes[20] = 6; // WAVE_FORMAT_ALAW
        File.WriteAllBytes(wav, bytes);

        var run = await RunAsync(["--url", "ws://127.0.0.1:1/ws_omi", "--audio", wav]);

        Assert.Equal(1, run.Code);
        Assert.Equal(
            $"error: The audio file {wav} is encoded as format 6, not PCM: give a PCM WAV file (e.g. convert it with 'sox in.wav -b 16 out.wav').",
            run.Error.TrimEnd());
    }

    [Fact]
    public async Task MissingWav_ExitsOneWithOneSentence()
    {
        var run = await RunAsync(["--url", "ws://127.0.0.1:1/ws_omi", "--audio", "/nonexistent/a.wav"]);

        Assert.Equal(1, run.Code);
        Assert.Equal("error: The audio file /nonexistent/a.wav does not exist: give a PCM WAV file.", run.Error.TrimEnd());
    }

    [Fact]
    public void WavFile_Stereo48k_IsAveragedToMonoAndResampledTo16k()
    {
        using var dir = new TempDirectory();
        var stereo = new short[4800 * 2];
        for (var i = 0; i < 4800; i++)
        {
            stereo[2 * i] = 1000;
            stereo[(2 * i) + 1] = 3000;
        }

        var mono = WavFile.ReadSpeech(WriteWav(dir, stereo, rate: 48000, channels: 2));

        // The resampler holds back its filter's last few samples at the end of a file.
        Assert.InRange(mono.Length, 1540, 1600);
        Assert.All(mono[100..1500], s => Assert.InRange(s, 1990, 2010));
    }

    [Fact]
    public void WavFile_NotRiff_IsRefused()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "song.mp3");
        File.WriteAllText(path, "ID3 not a wav file");

        var ex = Assert.Throws<InvalidDataException>(() => WavFile.ReadSpeech(path));

        Assert.StartsWith($"The audio file {path} is not a WAV file:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClientUrl_KeepsTheQueryAndAddsEscapedTokenAndDeviceName()
    {
        var options = new LoadgenOptions(new Uri("ws://h:1/ws_omi?x=1"), "a b&c", 3, "a.wav", AudioCodec.Opus, 20, 1, null, 0, "dev");

        var url = options.ClientUrl(2);

        Assert.Equal("ws://h:1/ws_omi?x=1&token=a%20b%26c&device_name=dev-2", url.AbsoluteUri);
        Assert.Equal("ws://h:1/ws_omi", options.DisplayUrl);
    }

    [Fact]
    public void LatencyHistogram_PercentilesAreWithinOnePercent()
    {
        var histogram = new LatencyHistogram();
        for (var ms = 1000; ms >= 1; ms--)
        {
            histogram.Record(TimeSpan.FromMilliseconds(ms));
        }

        Assert.InRange(histogram.Percentile(0.50).TotalMilliseconds, 500, 505);
        Assert.InRange(histogram.Percentile(0.99).TotalMilliseconds, 990, 1000);
        Assert.Equal(TimeSpan.FromMilliseconds(1000), histogram.Max);
        Assert.Equal(TimeSpan.FromMilliseconds(1000), histogram.Percentile(1.0));
    }
}
