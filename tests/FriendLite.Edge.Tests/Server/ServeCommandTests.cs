using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Server;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Server;

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
            Assert.Single(log, l => l.StartsWith("error", StringComparison.Ordinal)));
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
        var line = Assert.Single(log, l => l.StartsWith("error", StringComparison.Ordinal));
        Assert.StartsWith($"error server: The data directory {Path.Combine(file, "data")} is not writable", line, StringComparison.Ordinal);
        Assert.Contains("--data-dir", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_CancelledByCaller_StopsCleanlyWithStartAndStopLines()
    {
        using var dir = new TempDirectory();
        using var stop = new CancellationTokenSource();
        using var lines = new LogLines(LogLevel.Info);

        var serving = ServeAsync(dir.Path, lines, stop.Token);
        await lines.WaitForAsync("info server: started");
        await stop.CancelAsync();
        var (code, log) = await serving;

        Assert.Equal(0, code);
        var started = Assert.Single(log, l => l.StartsWith("info server: started version=", StringComparison.Ordinal));
        Assert.Contains($"data_dir={dir.Path}", started, StringComparison.Ordinal);
        Assert.Contains(log, l => l.StartsWith("warn auth: no administrator exists yet: create one with 'friendlite-edge user add", StringComparison.Ordinal));
        Assert.StartsWith("info server: stopped", log[^1], StringComparison.Ordinal);
        Assert.Contains("live_groups=", log[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_WithoutAnAdministrator_TheHintNamesTheDataDirectory_SoRunAsPrintedItCreatesTheAdminThere()
    {
        using var dir = new TempDirectory();

        var log = await StartAndStopAsync(dir.Path);

        // Without --data-dir, the printed command wrote the admin to the default directory (as root,
        // /var/lib/friendlite), and the login against this server then failed.
        var hint = Assert.Single(log, l => l.StartsWith("warn auth: no administrator exists yet", StringComparison.Ordinal));
        Assert.Contains($"'friendlite-edge user add --email you@example.com --admin --data-dir {dir.Path}'", hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_WithoutAnAdministrator_ADataDirectoryWithSpacesAndDollars_IsQuotedSoTheShellReadsItBack()
    {
        using var parent = new TempDirectory();
        var dir = Path.Combine(parent.Path, "my data $HOME `x` \"q\"");

        var log = await StartAndStopAsync(dir);

        const string prefix = "create one with 'friendlite-edge user add --email you@example.com --admin --data-dir ";
        var hint = Assert.Single(log, l => l.StartsWith("warn auth: no administrator exists yet", StringComparison.Ordinal));
        var word = hint[(hint.IndexOf(prefix, StringComparison.Ordinal) + prefix.Length)..hint.IndexOf("', or start", StringComparison.Ordinal)];
        using var shell = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash", ["-c", $"printf %s {word}"]) { RedirectStandardOutput = true })!;
        var readBack = await shell.StandardOutput.ReadToEndAsync();
        await shell.WaitForExitAsync();

        Assert.Equal(dir, readBack);
    }

    /// <summary>Runs <c>serve</c> until it has started, then stops it; returns what it logged.</summary>
    private static async Task<IReadOnlyList<string>> StartAndStopAsync(string dataDirectory)
    {
        using var stop = new CancellationTokenSource();
        using var lines = new LogLines(LogLevel.Info);
        var serving = ServeAsync(dataDirectory, lines, stop.Token);
        await lines.WaitForAsync("info server: started");
        await stop.CancelAsync();
        return (await serving).Log;
    }

    private static async Task<(int Code, IReadOnlyList<string> Log)> ServeAsync(string dataDirectory, LogLines? into = null, CancellationToken cancellationToken = default)
    {
        using var own = new LogLines(LogLevel.Info);
        var lines = into ?? own;
        var options = new ServerOptions("127.0.0.1", TestServer.FreePort(), dataDirectory, LogLevel.Info, Offline: true, TimeSpan.FromSeconds(5));
        var code = await ServeCommand.RunAsync(options, lines.Log, cancellationToken);
        return (code, lines.Lines);
    }
}
