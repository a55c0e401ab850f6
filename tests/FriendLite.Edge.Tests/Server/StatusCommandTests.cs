using System.Globalization;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Server;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Transcription;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Tests.Server;

/// <summary><c>status</c>: what a person sees when something seems wrong, for a running server, a stopped one, and no data at all.</summary>
public sealed class StatusCommandTests
{
    [Fact]
    public async Task Status_RunningServerWithADeviceAndAMissingModel_SaysWhereItAnswersItsHealthDevicesAndBacklog()
    {
        var lines = new LogLines();
        await using var server = await TestServer.StartAsync(log: lines.Log, configure: o => o with { ModelPath = "/nonexistent/ggml-base.en.bin" });
        var (_, token) = await server.CreateUserAsync("ann@example.com");
        await using var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token);
        await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
        await DeviceSupport.WaitUntilAsync(() => server.Server.Sessions.Count == 1, "the device's session");
        var jobs = new JobStore(server.Server.Database, TimeProvider.System);
        await jobs.EnqueueFailedAsync(TranscriptionScheduler.JobKind, "{}", "engine refused", default); // waiting for its retry
        await jobs.GiveUpAsync(await jobs.EnqueueAsync(TranscriptionScheduler.JobKind, "{}", default), "the payload is not a segment", default);

        var (code, output, error) = await StatusAsync(server.DataDirectory.Path);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        var shown = output.Split('\n');
        Assert.Equal($"friendlite-edge {HealthEndpoints.Version} is running on {server.DataDirectory.Path} (pid {Environment.ProcessId}).", shown[0]);
        Assert.Contains($"  address        http://127.0.0.1:{server.Port.ToString(CultureInfo.InvariantCulture)}", shown);
        Assert.Contains("  health         degraded", shown);
        Assert.Contains("  transcription  unavailable: The model file /nonexistent/ggml-base.en.bin does not exist", output, StringComparison.Ordinal);
        Assert.Contains("  devices        1 connected", shown);
        Assert.Contains("  backlog        1 transcription job waiting, 0 running, 1 failed (see 'friendlite-edge jobs list --state failed')", shown);
    }

    [Fact]
    public async Task Status_AfterTheServerStopped_SaysNoneRunsAndHowToStartIt_ExitThree()
    {
        using var dir = new TempDirectory();
        await using (var server = await TestServer.StartAsync(dataDirectory: dir))
        {
            server.KeepDataDirectory = true;
        }

        var (code, output, _) = await StatusAsync(dir.Path);

        Assert.Equal(StatusCommand.NotRunning, code);
        Assert.Equal(
            $"No server is running on {dir.Path}.\n" +
            "  backlog        0 transcription jobs waiting, 0 running, none failed\n" +
            "  extraction     0 conversations waiting for memories, 0 running, none failed\n" +
            $"Start one with 'friendlite-edge serve --data-dir {dir.Path}'.\n",
            output);
    }

    [Fact]
    public async Task Status_OnADirectoryWithoutData_SaysSoAndCreatesNothing()
    {
        using var dir = new TempDirectory();
        var empty = Path.Combine(dir.Path, "my data");

        var (code, output, error) = await StatusAsync(empty);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.StartsWith($"error: No FriendLite data in {empty}: start the server with 'friendlite-edge serve --data-dir \"{empty}\"'", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(empty));
    }

    [Fact]
    public async Task Status_ServerHoldsTheDirectoryButDoesNotAnswer_SaysSoWithItsPid_ExitOne()
    {
        using var dir = new TempDirectory();
        await using (var server = await TestServer.StartAsync(dataDirectory: dir))
        {
            server.KeepDataDirectory = true;
        }

        // A server that took the lock and wrote its address, but whose port answers nothing (hung, or firewalled).
        var port = TestServer.FreePort();
        using (var held = new FileStream(Path.Combine(dir.Path, DataDirectoryLock.FileName), FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            await File.WriteAllTextAsync(Path.Combine(dir.Path, DataDirectoryLock.PidFileName), $"4242\nhttp://0.0.0.0:{port}\n");

            var (code, output, _) = await StatusAsync(dir.Path);

            Assert.Equal(1, code);
            Assert.StartsWith($"A server is running on {dir.Path} (pid 4242) but does not answer on http://127.0.0.1:{port}: connection refused.\n", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Status_OnADamagedDatabase_SaysSoInTheBacklogLineAndStillReportsTheServer()
    {
        using var dir = new TempDirectory();
        await File.WriteAllTextAsync(Path.Combine(dir.Path, Database.FileName), "not sqlite");

        var (code, output, _) = await StatusAsync(dir.Path);

        Assert.Equal(StatusCommand.NotRunning, code);
        Assert.Contains($"  backlog        unreadable: The database {Path.Combine(dir.Path, Database.FileName)} is damaged", output, StringComparison.Ordinal);
    }

    private static Task<(int Code, string Output, string Error)> StatusAsync(string dataDirectory) =>
        CliRunner.RunAsync((output, error) => [StatusCommand.Create(output, error)], ["status", "--data-dir", dataDirectory]);
}
