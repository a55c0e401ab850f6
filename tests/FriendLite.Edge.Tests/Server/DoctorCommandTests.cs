using System.Globalization;
using System.Net;
using System.Net.Sockets;
using FriendLite.Edge.Server;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Server;

/// <summary><c>doctor</c>: one line per check, FAIL saying what to do, exit 1 when one fails; it changes nothing.</summary>
public sealed class DoctorCommandTests
{
    [Fact]
    public async Task Doctor_FreshDataDirectoryWithTheTestModel_EveryLineOk_ExitZero()
    {
        using var dir = new TempDirectory();
        var data = Path.Combine(dir.Path, "data");

        var (code, output, error) = await DoctorAsync(data, "--model", Fixtures.Path("ggml-tiny.en-for-tests.bin"));

        Assert.Equal("", error);
        var lines = Lines(output);
        Assert.All(lines, line => Assert.StartsWith("ok   ", line, StringComparison.Ordinal));
        Assert.Equal(["data directory", "database", "model", "cpu", "port", "clock"], lines.Select(Check));
        Assert.Contains("none yet", Line(lines, "database"), StringComparison.Ordinal);
        Assert.Contains("tiny", Line(lines, "model"), StringComparison.Ordinal);
        Assert.Equal(0, code);
        Assert.False(Directory.Exists(data)); // doctor creates nothing: serve does
    }

    [Fact]
    public async Task Doctor_DatabaseWithGarbageInTheMiddle_FailsTheDatabaseLine_ExitOne()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, Database.FileName);
        _ = Database.Open(dir.Path);
        Database.ReleasePooledConnections();
        var bytes = await File.ReadAllBytesAsync(path);
        Assert.True(bytes.Length >= 3 * 4096, "the fresh database should span several pages");
        for (var i = bytes.Length / 2; i < bytes.Length / 2 + 4096; i++)
        {
            bytes[i] = 0x5a;
        }

        await File.WriteAllBytesAsync(path, bytes);

        var (code, output, _) = await DoctorAsync(dir.Path);

        var line = Line(Lines(output), "database");
        Assert.StartsWith($"FAIL database: {path} ", line, StringComparison.Ordinal);
        Assert.Contains("restore the database from a backup", line, StringComparison.Ordinal);
        Assert.Equal(1, code);
    }

    [Fact]
    public async Task Doctor_FileNamedLikeTheDatabaseButNotOne_FailsTheDatabaseLine_ExitOne()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, Database.FileName);
        await File.WriteAllTextAsync(path, "this is not an SQLite database, just text long enough to have a header's length");

        var (code, output, _) = await DoctorAsync(dir.Path);

        Assert.StartsWith($"FAIL database: {path} cannot be read (not a database) — ", Line(Lines(output), "database"), StringComparison.Ordinal);
        Assert.Equal(1, code);
    }

    [Fact]
    public async Task Doctor_ServersDatabase_PassesQuickCheckAtTheLatestSchemaWithoutMigrating()
    {
        using var dir = new TempDirectory();
        _ = Database.Open(dir.Path);
        Database.ReleasePooledConnections();

        var (code, output, _) = await DoctorAsync(dir.Path);

        Assert.Equal($"ok   database: {Path.Combine(dir.Path, Database.FileName)} passes quick_check, schema version {Migrations.Latest} of {Migrations.Latest}",
            Line(Lines(output), "database"));
        Assert.Equal(0, code);
    }

    [Fact]
    public async Task Doctor_MissingModel_FailsTheModelLineSayingHowToGetOne()
    {
        using var dir = new TempDirectory();
        var missing = Path.Combine(dir.Path, "ggml-base.en.bin");

        var (code, output, _) = await DoctorAsync(dir.Path, "--model", missing);

        Assert.Equal($"FAIL model: The model file {missing} does not exist — give the right --model, or fetch one with 'friendlite-edge model download base.en'",
            Line(Lines(output), "model"));
        Assert.Equal(1, code);
    }

    [Fact]
    public async Task Doctor_StandardModelNameWithTheWrongChecksum_FailsTheModelLineSayingToDownloadItAgain()
    {
        using var dir = new TempDirectory();
        var renamed = Path.Combine(dir.Path, "ggml-tiny.en.bin"); // a sound ggml file, but not the published tiny.en
        File.Copy(Fixtures.Path("ggml-tiny.en-for-tests.bin"), renamed);

        var (code, output, _) = await DoctorAsync(dir.Path, "--model", renamed);

        var line = Line(Lines(output), "model");
        Assert.StartsWith($"FAIL model: {renamed} has sha1 ", line, StringComparison.Ordinal);
        Assert.EndsWith(" — download it again with 'friendlite-edge model download tiny.en'", line, StringComparison.Ordinal);
        Assert.Equal(1, code);
    }

    [Fact]
    public async Task Doctor_WyomingPortHeldByAnotherProgram_FailsItsLineNamingTheFlag()
    {
        using var dir = new TempDirectory();
        var held = new TcpListener(IPAddress.Loopback, 0);
        held.Start();
        try
        {
            var port = ((IPEndPoint)held.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);

            var (code, output, _) = await DoctorAsync(dir.Path, "--wyoming-listen", $"127.0.0.1:{port}");

            Assert.Equal($"FAIL wyoming port: 127.0.0.1:{port} is taken by another program — stop it (see 'ss -ltnp'), or give another --wyoming-listen",
                Line(Lines(output), "wyoming port"));
            Assert.Equal(1, code);
        }
        finally
        {
            held.Stop();
        }
    }

    [Fact]
    public async Task Doctor_PortHeldByAnotherProgram_FailsThePortLineNamingIt()
    {
        using var dir = new TempDirectory();
        var held = new TcpListener(IPAddress.Loopback, 0);
        held.Start();
        try
        {
            var port = ((IPEndPoint)held.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);

            var (code, output, _) = await CliRunner.RunAsync((o, _) => [DoctorCommand.Create(o)], ["doctor", "--data-dir", dir.Path, "--host", "127.0.0.1", "--port", port]);

            Assert.StartsWith($"FAIL port: 127.0.0.1:{port} is taken by another program — ", Line(Lines(output), "port"), StringComparison.Ordinal);
            Assert.Equal(1, code);
        }
        finally
        {
            held.Stop();
        }
    }

    [Fact]
    public async Task Doctor_PortHeldByThisDataDirectorysServer_SaysSoWithItsPid()
    {
        await using var server = await TestServer.StartAsync();
        var port = server.Port.ToString(CultureInfo.InvariantCulture);

        var (_, output, _) = await CliRunner.RunAsync((o, _) => [DoctorCommand.Create(o)], ["doctor", "--data-dir", server.DataDirectory.Path, "--host", "127.0.0.1", "--port", port]);

        Assert.Equal($"ok   port: 127.0.0.1:{port} in use by the running server (pid {Environment.ProcessId})", Line(Lines(output), "port"));
    }

    [Fact]
    public async Task Doctor_Offline_SkipsTheAsrAndLlmChecks()
    {
        using var dir = new TempDirectory();

        var (code, output, _) = await DoctorAsync(dir.Path, "--offline", "--asr", "wyoming://192.0.2.1:10300", "--llm-url", "http://192.0.2.1:11434");

        var lines = Lines(output);
        Assert.Equal("skip asr: --offline makes no outbound connection", Line(lines, "asr"));
        Assert.Equal("skip llm: --offline makes no outbound connection", Line(lines, "llm"));
        Assert.Equal(0, code);
    }

    [Fact]
    public async Task Doctor_AsrServerThatRefuses_FailsTheAsrLine()
    {
        using var dir = new TempDirectory();
        var port = TestServer.FreePort().ToString(CultureInfo.InvariantCulture);

        var (code, output, _) = await DoctorAsync(dir.Path, "--asr", $"wyoming://127.0.0.1:{port}");

        Assert.StartsWith($"FAIL asr: wyoming://127.0.0.1:{port} cannot be reached", Line(Lines(output), "asr"), StringComparison.Ordinal);
        Assert.Equal(1, code);
    }

    [Fact]
    public async Task Doctor_AsrServerListeningAndLlmAnsweringHttp_BothOk()
    {
        using var dir = new TempDirectory();
        var asr = new TcpListener(IPAddress.Loopback, 0);
        asr.Start();
        try
        {
            await using var http = await TestServer.StartAsync(); // any HTTP answer means the address is right
            var asrPort = ((IPEndPoint)asr.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
            var url = $"http://127.0.0.1:{http.Port.ToString(CultureInfo.InvariantCulture)}";

            var (_, output, _) = await DoctorAsync(dir.Path, "--asr", $"wyoming://127.0.0.1:{asrPort}", "--llm-url", url);

            var lines = Lines(output);
            Assert.Equal($"ok   asr: wyoming://127.0.0.1:{asrPort} accepts connections", Line(lines, "asr"));
            Assert.StartsWith($"ok   llm: {url} answers (HTTP ", Line(lines, "llm"), StringComparison.Ordinal);
        }
        finally
        {
            asr.Stop();
        }
    }

    [Fact]
    public async Task Doctor_LlmServerNotRunning_FailsTheLlmLineSayingTheLocalExtractorRemains()
    {
        using var dir = new TempDirectory();
        var url = $"http://127.0.0.1:{TestServer.FreePort().ToString(CultureInfo.InvariantCulture)}";

        var (code, output, _) = await DoctorAsync(dir.Path, "--llm-url", url);

        var line = Line(Lines(output), "llm");
        Assert.StartsWith($"FAIL llm: {url} cannot be reached", line, StringComparison.Ordinal);
        Assert.EndsWith("(without it the local extractor makes memories)", line, StringComparison.Ordinal);
        Assert.Equal(1, code);
    }

    [Fact]
    public async Task Doctor_ClockIn1970_FailsTheClockLineSayingHowToSetIt()
    {
        using var dir = new TempDirectory();
        using var output = new StringWriter { NewLine = "\n" };
        var doctor = new DoctorCommand(output, new ManualTime(DateTimeOffset.UnixEpoch));
        var settings = new DoctorCommand.Settings(dir.Path, "127.0.0.1", TestServer.FreePort(), MinFreeDisk.None, null, null, null, null, Offline: false);

        var code = await doctor.RunAsync(settings, default);

        Assert.Equal("FAIL clock: the system time is 1970-01-01 00:00 UTC, before this binary was built — set the clock (timedatectl / an NTP server)",
            Line(Lines(output.ToString()), "clock"));
        Assert.Equal(1, code);
    }

    /// <summary>Runs doctor on <paramref name="dataDirectory"/> with a free port on loopback, so only what a test sets up can fail.</summary>
    private static Task<(int Code, string Output, string Error)> DoctorAsync(string dataDirectory, params string[] more) =>
        CliRunner.RunAsync((o, _) => [DoctorCommand.Create(o)],
            ["doctor", "--data-dir", dataDirectory, "--host", "127.0.0.1", "--port", TestServer.FreePort().ToString(CultureInfo.InvariantCulture), "--min-free-disk", "0", .. more]);

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static string Check(string line) => line[5..line.IndexOf(':', StringComparison.Ordinal)];

    private static string Line(string[] lines, string check) => Assert.Single(lines, line => Check(line) == check);
}
