using System.Net;
using System.Net.WebSockets;
using FriendLite.Edge.Accounts;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Tests.Http;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Tests.Sessions;

/// <summary>
/// Changes the CLI makes in its own process reach the running server's live devices through the
/// revocation sweep (a short interval here; seconds in production).
/// </summary>
public sealed class RevocationSweepTests
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task UserPasswd_InAnotherProcess_OldTokenRefusedAndLiveDeviceClosed1008()
    {
        await using var server = await StartAsync();
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        using var client = server.ClientWithToken(token);
        var device = await RevocationTests.StreamingDeviceAsync(server, ann.Id, token);
        var passwordFile = Path.Combine(server.DataDirectory.Path, "new-password");
        await File.WriteAllTextAsync(passwordFile, "a new password from the cli\n");

        var (code, _, error) = await EdgeProcess.RunAsync("user", "passwd", "--email", "ann@example.com", "--password-file", passwordFile, "--data-dir", server.DataDirectory.Path);

        Assert.True(code == 0, error);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
        var (status, reason) = await device.WaitForCloseAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Equal("the account's password was changed", reason);
        await device.DisposeAsync();
        await DeviceSupport.WaitForNoSessionsAsync(server);
        var conversation = Assert.Single(await DeviceSupport.ConversationsAsync(server, ann.Id));
        Assert.Equal("closed", conversation.State);
        Assert.Equal(conversation.SampleCount, WavFile.Read(conversation.AudioPath!).Samples.Length);
    }

    [Fact]
    public async Task UserDeactivate_FromTheCli_DeviceClosedJobsCancelled_ActivateRestoresTheToken()
    {
        await using var server = await StartAsync();
        var dir = server.DataDirectory.Path;
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        using var client = server.ClientWithToken(token);
        var device = await RevocationTests.StreamingDeviceAsync(server, ann.Id, token);
        var job = await server.Server.Jobs.EnqueueAsync(TranscriptionScheduler.JobKind,
            $"{{\"conversation_id\":\"{(await DeviceSupport.ConversationsAsync(server, ann.Id))[0].Id}\"}}", default);

        var deactivate = await RunCliAsync("user", "deactivate", "--email", "ann@example.com", "--data-dir", dir);

        Assert.Equal((0, "Deactivated ann@example.com: it cannot log in and its devices are disconnected; its data was kept.\n"), (deactivate.Code, deactivate.Output));
        var (status, reason) = await device.WaitForCloseAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Equal("the account was deactivated", reason);
        await device.DisposeAsync();
        await DeviceSupport.WaitForNoSessionsAsync(server);
        Assert.Equal("closed", Assert.Single(await DeviceSupport.ConversationsAsync(server, ann.Id)).State);
        Assert.Equal("cancelled", (await server.Server.Jobs.FindAsync(job, default))!.State);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);

        var activate = await RunCliAsync("user", "activate", "--email", "ann@example.com", "--data-dir", dir);
        var unknown = await RunCliAsync("user", "deactivate", "--email", "bob@example.com", "--data-dir", dir);

        Assert.Equal((0, "Activated ann@example.com.\n"), (activate.Code, activate.Output));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/me")).StatusCode);
        Assert.Equal((1, "error: No user has the email bob@example.com.\n"), (unknown.Code, unknown.Error));
    }

    [Fact]
    public async Task UserDelete_FromTheCli_DeviceClosedWithItsAudioKept()
    {
        await using var server = await StartAsync();
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        var device = await RevocationTests.StreamingDeviceAsync(server, ann.Id, token);

        var delete = await RunCliAsync("user", "delete", "--email", "ann@example.com", "--data-dir", server.DataDirectory.Path);

        Assert.Equal(0, delete.Code);
        var (status, reason) = await device.WaitForCloseAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Equal("the account was deleted", reason);
        await device.DisposeAsync();
        await DeviceSupport.WaitForNoSessionsAsync(server);
        var conversation = Assert.Single(await DeviceSupport.ConversationsAsync(server, ann.Id));
        Assert.Equal("closed", conversation.State);
        Assert.True(WavFile.Read(conversation.AudioPath!).Samples.Length > 0);
    }

    [Fact]
    public async Task Sweep_ReadingOneUserFails_OthersAreStillRevokedAndTheSweepGoesOn()
    {
        var failAnn = true;
        string? annId = null;
        using var lines = new LogLines(LogLevel.Warn);
        await using var server = await StartAsync(lines.Log, (point, subject, _) =>
        {
            if (point == FaultPoint.RevocationCheck && subject == annId && Volatile.Read(ref failAnn))
            {
                throw new Microsoft.Data.Sqlite.SqliteException("disk I/O error", 10);
            }
        });
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        annId = ann.Id;
        var (bob, bobToken) = await server.CreateUserAsync("bob@example.com");
        var annDevice = await RevocationTests.StreamingDeviceAsync(server, ann.Id, annToken);
        var bobDevice = await RevocationTests.StreamingDeviceAsync(server, bob.Id, bobToken);

        // As the CLI would: straight in the database, nothing told to the server.
        await server.Server.Accounts.Users.SetActiveAsync(ann.Id, false, default);
        await server.Server.Accounts.Users.SetActiveAsync(bob.Id, false, default);

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, (await bobDevice.WaitForCloseAsync(TimeSpan.FromSeconds(10))).Status);
        await lines.WaitForAsync("warn auth: could not check whether a user's sessions were revoked");
        Assert.Equal(WebSocketState.Open, annDevice.Socket.State);
        Volatile.Write(ref failAnn, false);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, (await annDevice.WaitForCloseAsync(TimeSpan.FromSeconds(10))).Status);
        await annDevice.DisposeAsync();
        await bobDevice.DisposeAsync();
    }

    private static Task<TestServer> StartAsync(Log? log = null, FaultHook? faults = null) =>
        TestServer.StartAsync(log: log, configure: o => o with { RevocationSweepInterval = s_interval, Faults = faults });

    private static Task<(int Code, string Output, string Error)> RunCliAsync(params string[] args) =>
        CliRunner.RunAsync((output, error) => UserCommands.Create(output, error, _ => null), args);
}
