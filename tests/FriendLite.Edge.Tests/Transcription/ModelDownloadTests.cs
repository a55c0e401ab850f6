using System.Net;
using System.Security.Cryptography;
using FriendLite.Edge.Cli;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Tests.Transcription;

/// <summary><c>model download</c> against a local mirror that honours range requests.</summary>
public sealed class ModelDownloadTests
{
    private static readonly byte[] Model = File.ReadAllBytes(Fixtures.Path("ggml-tiny.en-for-tests.bin"));
    private static readonly string ModelSha256 = Convert.ToHexStringLower(SHA256.HashData(Model));

    /// <summary>What an interrupted download leaves: the first <paramref name="bytes"/> of the model in models/NAME.part.</summary>
    private static async Task WritePartAsync(string dataDirectory, int bytes)
    {
        var part = Path.Combine(dataDirectory, "models", "ggml-tiny.en.bin.part");
        Directory.CreateDirectory(Path.GetDirectoryName(part)!);
        await File.WriteAllBytesAsync(part, Model[..bytes]);
    }

    [Fact]
    public async Task Download_FromAMirror_PutsACheckedModelInTheModelsFolder()
    {
        using var dir = new TempDirectory();
        await using var mirror = await Mirror.StartAsync(Model);

        var (code, output, error) = await RunAsync("model", "download", "tiny.en", "--data-dir", dir.Path, "--from", mirror.Url, "--sha256", ModelSha256);

        Assert.True(code == 0, error);
        var target = Path.Combine(dir.Path, "models", "ggml-tiny.en.bin");
        Assert.Equal(target, output.Trim());
        Assert.Equal(Model, await File.ReadAllBytesAsync(target));
        Assert.False(File.Exists(target + ".part"));
    }

    [Fact]
    public async Task Download_WithAPartialFile_ResumesWithARangeRequest()
    {
        using var dir = new TempDirectory();
        await WritePartAsync(dir.Path, 200_000);
        await using var mirror = await Mirror.StartAsync(Model);

        var (code, _, error) = await RunAsync("model", "download", "tiny.en", "--data-dir", dir.Path, "--from", mirror.Url, "--sha256", ModelSha256);

        Assert.True(code == 0, error);
        Assert.Equal("bytes=200000-", mirror.LastRange);
        Assert.Equal(Model.Length - 200_000, mirror.BytesServed);
        Assert.Equal(Model, await File.ReadAllBytesAsync(Path.Combine(dir.Path, "models", "ggml-tiny.en.bin")));
    }

    [Fact]
    public async Task Download_NotATerminal_ShowsPlainProgressLinesEndingAt100()
    {
        using var dir = new TempDirectory();
        await using var mirror = await Mirror.StartAsync(Model);

        var plain = new ProgressMode(Terminal: false, new SteppingTime(TimeSpan.FromSeconds(10)));

        var (code, output, error) = await RunAsync(plain, "model", "download", "tiny.en", "--data-dir", dir.Path, "--from", mirror.Url, "--sha256", ModelSha256);

        Assert.True(code == 0, error);
        var lines = ProgressLines.Plain(error, "downloading ggml-tiny.en.bin (0.6 MB)...");
        Assert.Equal("downloading ggml-tiny.en.bin (0.6 MB)... 0%", lines[0].Line);
        Assert.True(lines.Count >= 5, error); // ten 64 KiB reads or so: about one line per tenth
        Assert.All(lines.Skip(1).SkipLast(1), l => Assert.Matches(@"\.\.\. \d+%: 0\.\d MB at \d+\.\d MB/s, about \d+ (s|min) left$", l.Line));
        Assert.Matches(@"\.\.\. 100%: 0\.6 MB in \d+\.\d s \(\d+\.\d MB/s\)$", lines[^1].Line);
        Assert.Equal(Path.Combine(dir.Path, "models", "ggml-tiny.en.bin") + "\n", output);
    }

    [Fact]
    public async Task Download_Resuming_SaysWhereItResumedAndCountsOnFromThere()
    {
        using var dir = new TempDirectory();
        await WritePartAsync(dir.Path, 200_000);
        await using var mirror = await Mirror.StartAsync(Model);

        var (code, _, error) = await RunAsync("model", "download", "tiny.en", "--data-dir", dir.Path, "--from", mirror.Url, "--sha256", ModelSha256);

        Assert.True(code == 0, error);
        Assert.Contains("\nresuming ggml-tiny.en.bin.part at 0.2 of 0.6 MB\n", error, StringComparison.Ordinal);
        var lines = ProgressLines.Plain(error, "downloading ggml-tiny.en.bin (0.6 MB)...");
        Assert.Equal(34, lines[0].Percent); // 200,000 of 586,836 bytes were there already
    }

    [Fact]
    public async Task Download_OnATerminal_ResumesOnOneLineRewrittenInPlace()
    {
        using var dir = new TempDirectory();
        await WritePartAsync(dir.Path, 200_000);
        await using var mirror = await Mirror.StartAsync(Model);
        var terminal = new ProgressMode(Terminal: true, new SteppingTime(TimeSpan.FromSeconds(1)));

        var (code, output, error) = await RunAsync(terminal, "model", "download", "tiny.en", "--data-dir", dir.Path, "--from", mirror.Url, "--sha256", ModelSha256);

        Assert.True(code == 0, error);
        var lines = error.Split('\n');
        Assert.Equal([$"downloading {mirror.Url}ggml-tiny.en.bin", "resuming ggml-tiny.en.bin.part at 0.2 of 0.6 MB"], lines[..2]);
        Assert.Equal(4, lines.Length); // then the one progress line, and nothing after its newline
        var label = "downloading ggml-tiny.en.bin (0.6 MB)...";
        var frames = ProgressLines.Frames(error, label);
        Assert.Equal($"{label} 34%: 0.2 MB", frames[0]);
        Assert.True(frames.Count >= 4, error);
        ProgressLines.AssertMonotonicTo100(frames.Select(f => ProgressLines.Percent(f, label)).ToList(), error);
        Assert.Matches(@"\.\.\. 100%: 0\.6 MB in \d+\.\d s \(\d+\.\d MB/s\)$", frames[^1]);
        Assert.Equal(Path.Combine(dir.Path, "models", "ggml-tiny.en.bin") + "\n", output);
    }

    [Fact]
    public async Task Download_WrongChecksum_KeepsNothingAndSaysSo()
    {
        using var dir = new TempDirectory();
        await using var mirror = await Mirror.StartAsync(Model);

        var (code, _, error) = await RunAsync("model", "download", "tiny.en", "--data-dir", dir.Path, "--from", mirror.Url); // the catalogue's checksum: not this file's

        Assert.Equal(1, code);
        Assert.Contains("not the expected c78c86eb1a8faa21b369bcd33207cc90d64ae9df", error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(dir.Path, "models")));
    }

    [Fact]
    public async Task Download_Offline_IsRefusedWithoutAConnection()
    {
        using var dir = new TempDirectory();
        await using var mirror = await Mirror.StartAsync(Model);

        var (code, _, error) = await RunAsync("model", "download", "base.en", "--data-dir", dir.Path, "--from", mirror.Url, "--offline");

        Assert.Equal(1, code);
        Assert.StartsWith("error: --offline forbids downloads: copy ggml-base.en.bin from", error, StringComparison.Ordinal);
        Assert.Equal(0, mirror.Requests);
    }

    [Fact]
    public async Task Download_UnknownName_PointsToTheList()
    {
        using var dir = new TempDirectory();

        var (code, _, error) = await RunAsync("model", "download", "huge-v9", "--data-dir", dir.Path);

        Assert.Equal(1, code);
        Assert.Contains("see 'friendlite-edge model list'", error, StringComparison.Ordinal);
    }

    private static Task<(int Code, string Output, string Error)> RunAsync(params string[] args) =>
        CliRunner.RunAsync((output, error) => [ModelCommand.Create(output, error)], args);

    private static Task<(int Code, string Output, string Error)> RunAsync(ProgressMode progress, params string[] args) =>
        CliRunner.RunAsync((output, error) => [ModelCommand.Create(output, error, progress)], args);

    /// <summary>Serves one file under any name, with byte ranges, and counts what it was asked.</summary>
    private sealed class Mirror : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly byte[] _content;
        private readonly Task _loop;

        private Mirror(byte[] content, int port)
        {
            _content = content;
            Url = $"http://127.0.0.1:{port}/models/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _loop = ServeAsync();
        }

        public string Url { get; }

        public string? LastRange { get; private set; }

        public long BytesServed { get; private set; }

        public int Requests { get; private set; }

        public static Task<Mirror> StartAsync(byte[] content) => Task.FromResult(new Mirror(content, TestServer.FreePort()));

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            _listener.Close();
            await _loop;
        }

        private async Task ServeAsync()
        {
            while (true)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception) when (!_listener.IsListening)
                {
                    return;
                }

                Requests++;
                var from = 0;
                LastRange = context.Request.Headers["Range"];
                if (LastRange is { } range && range.StartsWith("bytes=", StringComparison.Ordinal))
                {
                    from = int.Parse(range[6..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);
                    context.Response.StatusCode = 206;
                    context.Response.AddHeader("Content-Range", $"bytes {from}-{_content.Length - 1}/{_content.Length}");
                }

                context.Response.ContentLength64 = _content.Length - from;
                await context.Response.OutputStream.WriteAsync(_content.AsMemory(from));
                BytesServed += _content.Length - from;
                context.Response.Close();
            }
        }
    }
}
