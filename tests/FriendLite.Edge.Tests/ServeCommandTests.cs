using FriendLite.Edge.Http;
using FriendLite.Edge.Sessions;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Tests;

/// <summary><c>serve</c> as a user meets it when the server cannot start: exit 1 and one sentence saying what to do.</summary>
public sealed class ServeCommandTests
{
    [Fact]
    public async Task Serve_DamagedDatabase_ExitsOneWithSentenceAndKeepsTheFile()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, Database.FileName);
        await File.WriteAllTextAsync(path, "not sqlite");

        var (code, log) = await ServeAsync(dir.Path);

        Assert.Equal(1, code);
        Assert.Equal(
            $"error server: The database {path} is damaged or is not a friendlite database: restore it from a backup or move it aside to start with an empty one; it was not modified.",
            Assert.Single(log));
        Assert.Equal("not sqlite", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task Serve_UnwritableDataDirectory_ExitsOneNamingTheFlag()
    {
        using var dir = new TempDirectory();
        var file = Path.Combine(dir.Path, "file");
        await File.WriteAllTextAsync(file, "");

        var (code, log) = await ServeAsync(Path.Combine(file, "data"));

        Assert.Equal(1, code);
        var line = Assert.Single(log);
        Assert.StartsWith($"error server: The data directory {Path.Combine(file, "data")} is not writable", line, StringComparison.Ordinal);
        Assert.Contains("--data-dir", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_CancelledByCaller_StopsCleanlyWithStartAndStopLines()
    {
        using var dir = new TempDirectory();
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var (code, log) = await ServeAsync(dir.Path, stop.Token);

        Assert.Equal(0, code);
        Assert.StartsWith("info server: started version=", log[0], StringComparison.Ordinal);
        Assert.Contains($"data_dir={dir.Path}", log[0], StringComparison.Ordinal);
        Assert.StartsWith("info server: stopped", log[^1], StringComparison.Ordinal);
        Assert.Contains("live_groups=", log[^1], StringComparison.Ordinal);
    }

    private static async Task<(int Code, string[] Log)> ServeAsync(string dataDirectory, CancellationToken cancellationToken = default)
    {
        using var writer = new StringWriter();
        var log = new Log(writer, LogLevel.Info, timestamps: false);
        var options = new ServerOptions("127.0.0.1", TestServer.FreePort(), dataDirectory, LogLevel.Info, Offline: true, TimeSpan.FromSeconds(5));
        var code = await ServeCommand.RunAsync(options, log, cancellationToken);
        return (code, writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
