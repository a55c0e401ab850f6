using System.Net.WebSockets;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Server;
using FriendLite.Edge.Tests.Audio;
using FriendLite.Edge.Tests.Http;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Server;

/// <summary>
/// One server per data directory: a second <c>serve</c> is refused before it touches anything, the
/// lock goes with the process (also on SIGKILL), and the CLI starting together with the server on a
/// new directory works.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class OneServerPerDataDirectoryTests
{
    [Fact]
    public async Task Serve_WhileAnotherServerUsesTheDirectory_ExitsOneNamingItAndLeavesItsConversationAlone()
    {
        await using var first = await TestServer.StartAsync();
        var (ann, token) = await first.CreateUserAsync("ann@example.com");
        var device = await RevocationTests.StreamingDeviceAsync(first, ann.Id, token);
        var open = Assert.Single(await DeviceSupport.ConversationsAsync(first, ann.Id));

        using var lines = new LogLines(LogLevel.Info);
        var options = new ServerOptions("127.0.0.1", TestServer.FreePort(), first.DataDirectory.Path, LogLevel.Info, Offline: true, TimeSpan.FromSeconds(5));
        // Bounded: a second server that did start would otherwise serve until stopped.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var code = await ServeCommand.RunAsync(options, lines.Log, stop.Token);

        Assert.Equal(1, code);
        Assert.Equal(
            $"error server: Another friendlite-edge server (pid {Environment.ProcessId}) is using the data directory {first.DataDirectory.Path}: " +
            "stop it first, or give this server another --data-dir.",
            Assert.Single(lines.Lines));
        // Nothing of the first server's was "recovered": its conversation is still open and recording.
        Assert.Equal(WebSocketState.Open, device.Socket.State);
        await device.SendPcmAsync(AudioTests.Tone(300, 16000, seconds: 0.5), AudioFormat.Speech);
        var still = Assert.Single(await DeviceSupport.ConversationsAsync(first, ann.Id));
        Assert.Equal((open.Id, "open"), (still.Id, still.State));
        await device.CloseAsync();
        await device.DisposeAsync();
    }

    [Fact]
    public async Task SecondServeProcess_ExitsOneNamingTheFirstsPid_AndAfterSigkillTheDirectoryIsFreeAgain()
    {
        using var dir = new TempDirectory();
        var port = TestServer.FreePort();
        using var first = EdgeProcess.StartServe(port, dir.Path);
        try
        {
            await EdgeProcess.WaitForHealthAsync(first, port);

            var (code, _, error) = await EdgeProcess.RunAsync("serve", "--host", "127.0.0.1", "--port", TestServer.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", dir.Path);

            Assert.Equal(1, code);
            Assert.Contains($"Another friendlite-edge server (pid {first.Id}) is using the data directory {dir.Path}", error, StringComparison.Ordinal);
            Assert.False(first.HasExited);
        }
        finally
        {
            first.Kill(); // SIGKILL: no cleanup of any kind
            await first.WaitForExitAsync();
        }

        await using var next = await TestServer.StartAsync(dataDirectory: dir);
        next.KeepDataDirectory = true; // the using of dir deletes it
        Assert.Equal(System.Net.HttpStatusCode.OK, (await next.Client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task ServeAndUserAdd_StartedTogetherOnANewDirectory_BothWork_TenTimes()
    {
        for (var run = 0; run < 10; run++)
        {
            using var dir = new TempDirectory();
            var data = Path.Combine(dir.Path, "data");
            var passwordFile = Path.Combine(dir.Path, "pw");
            await File.WriteAllTextAsync(passwordFile, "correct horse battery\n");
            var port = TestServer.FreePort();

            using var server = EdgeProcess.StartServe(port, data);
            try
            {
                var (code, output, error) = await EdgeProcess.RunAsync("user", "add", "--email", "ann@example.com", "--admin", "--password-file", passwordFile, "--data-dir", data);

                Assert.True(code == 0, $"run {run}: user add exited {code}: {error}");
                Assert.StartsWith("Created administrator ann@example.com", output, StringComparison.Ordinal);
                await EdgeProcess.WaitForHealthAsync(server, port);
                using var client = new HttpClient();
                using var login = await client.PostAsync(new Uri($"http://127.0.0.1:{port}/auth/jwt/login"),
                    new FormUrlEncodedContent([new("username", "ann@example.com"), new("password", "correct horse battery")]));
                Assert.True(login.IsSuccessStatusCode, $"run {run}: login answered {login.StatusCode}");
            }
            finally
            {
                server.Kill();
                await server.WaitForExitAsync();
            }
        }
    }
}
