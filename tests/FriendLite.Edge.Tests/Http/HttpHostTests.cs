using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Http;
using FriendLite.Edge.Server;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Http;

public sealed class HttpHostTests
{
    [Fact]
    public async Task Health_RunningServer_Returns200JsonWithVersionUptimeAndComponents()
    {
        await using var server = await TestServer.StartAsync();

        using var response = await server.Client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal("ok", root.GetProperty("status").GetString());
        Assert.Equal(HealthEndpoints.Version, root.GetProperty("version").GetString());
        Assert.True(root.GetProperty("uptime_seconds").GetDouble() >= 0);
        var components = root.GetProperty("components");
        Assert.Equal("ok", components.GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("ok", components.GetProperty("disk").GetProperty("status").GetString());
        Assert.Equal("unavailable", components.GetProperty("transcription").GetProperty("status").GetString());
        var activity = root.GetProperty("activity");
        Assert.Equal((0, 0, 0, 0), (activity.GetProperty("devices").GetInt32(), activity.GetProperty("transcription_queued").GetInt32(),
            activity.GetProperty("transcription_running").GetInt32(), activity.GetProperty("jobs_pending").GetInt32()));
    }

    [Fact]
    public async Task Readiness_RunningServer_IsReady()
    {
        await using var server = await TestServer.StartAsync();

        using var response = await server.Client.GetAsync("/readiness");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"ready\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownRoute_Returns404JsonDetail()
    {
        await using var server = await TestServer.StartAsync();

        using var response = await server.Client.GetAsync("/api/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("/api/nothing-here", json.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KnownRouteWrongMethod_Returns405WithAllowHeader()
    {
        await using var server = await TestServer.StartAsync();

        using var response = await server.Client.DeleteAsync("/health");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET"], response.Content.Headers.Allow);
    }

    [Fact]
    public async Task HandlerThrows_Returns500JsonWithoutStackTraceAndServerKeepsServing()
    {
        await using var server = await TestServer.StartAsync(map: (router, _) =>
            router.MapGet("/boom", _ => throw new InvalidOperationException("secret internals at FriendLite.Edge.Something"), Access.Anonymous));

        using var response = await server.Client.GetAsync("/boom");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal("{\"detail\":\"Internal server error.\"}", body);
        using var health = await server.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task RouteValues_AreBoundAndUnescaped()
    {
        await using var server = await TestServer.StartAsync(map: (router, _) =>
            router.MapPost("/test/{client_id}/echo", c => c.WriteErrorAsync(200, c.Route("client_id")), Access.Anonymous));

        using var response = await server.Client.PostAsync("/test/abc123-my%20phone/echo", new StringContent(""));

        Assert.Equal("{\"detail\":\"abc123-my phone\"}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SecondServer_OnTakenPort_RefusesWithSentenceNamingThePort()
    {
        await using var first = await TestServer.StartAsync();
        using var dir = new TempDirectory();
        var options = new ServerOptions("127.0.0.1", first.Port, dir.Path, LogLevel.Error, true, TimeSpan.FromSeconds(1));

        var thrown = await Assert.ThrowsAsync<StartupException>(() => EdgeServer.StartAsync(options, Log.Null));

        Assert.Contains($"Port {first.Port}", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("--port", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_PortHeldByAnotherProgram_RefusesWithSentenceNamingThePort()
    {
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var port = ((IPEndPoint)other.LocalEndpoint).Port;
        using var dir = new TempDirectory();
        var options = new ServerOptions("127.0.0.1", port, dir.Path, LogLevel.Error, true, TimeSpan.FromSeconds(1));

        var thrown = await Assert.ThrowsAsync<StartupException>(() => EdgeServer.StartAsync(options, Log.Null));

        Assert.Equal($"Port {port} on 127.0.0.1 is already in use by another program: stop it or choose another port with --port.", thrown.Message);
    }

    [Fact]
    public async Task Stop_WithRequestInFlight_CancelsItAnswers503AndFreesThePort()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = await TestServer.StartAsync(map: (router, _) => router.MapGet("/slow", async c =>
        {
            entered.SetResult();
            await Task.Delay(TimeSpan.FromMinutes(1), c.CancellationToken);
        }, Access.Anonymous));
        var port = server.Port;
        var request = server.Client.GetAsync("/slow");
        await entered.Task;

        var clean = await server.Server.StopAsync();
        using var response = await request;

        Assert.True(clean);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Empty(server.Server.Snapshot().Groups);
        using var rebind = new TcpListener(IPAddress.Loopback, port);
        rebind.Start(); // throws if the listener still held the port
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Stop_HandlerIgnoresCancellation_GivesUpAtTheShutdownTimeout()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new CancellationTokenSource();
        await using var server = await TestServer.StartAsync(shutdownTimeout: TimeSpan.FromMilliseconds(300), map: (router, _) => router.MapGet("/stubborn", async _ =>
        {
            entered.SetResult();
            await Task.Delay(TimeSpan.FromSeconds(20), release.Token);
        }, Access.Anonymous));
        var request = server.Client.GetAsync("/stubborn");
        await entered.Task;

        var clock = Stopwatch.StartNew();
        var clean = await server.Server.StopAsync();

        Assert.False(clean);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
        await release.CancelAsync();
        try
        {
            (await request).Dispose(); // whatever it got, it must finish
        }
        catch (HttpRequestException)
        {
        }
    }

    [Fact]
    public async Task Snapshot_RunningServer_ShowsAcceptLoopAndRequestsGroup()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(map: (router, _) => router.MapGet("/wait", async c =>
        {
            entered.SetResult();
            await release.Task;
            await c.WriteErrorAsync(200, "done");
        }, Access.Anonymous));
        var request = server.Client.GetAsync("/wait");
        await entered.Task;

        var snapshot = server.Server.Snapshot();
        release.SetResult();
        using var response = await request;

        Assert.Equal("server", snapshot.Name);
        Assert.Contains(snapshot.Children, c => c.Name == "http-accept");
        var requests = Assert.Single(snapshot.Groups, g => g.Name == "requests");
        Assert.Contains(snapshot.Groups, g => g.Name == "connections");
        Assert.Contains(requests.Children, c => c.Name == "GET /wait");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task LoopbackHost_AnswersRequestsAddressedToLocalhost()
    {
        await using var server = await TestServer.StartAsync();
        using var client = new HttpClient();

        using var response = await client.GetAsync($"http://localhost:{server.Port}/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("POST /api/users HTTP/1.0\r\n\r\n{\"a\":1}")]
    [InlineData("POST /api/users HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n")]
    [InlineData("POST /auth/jwt/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nusername=a&password=b")]
    [InlineData("PUT /api/users HTTP/1.0\r\n\r\n")]
    public async Task PostWithoutContentLength_IsRefused_AndTheServerGoesOnServingDevices(string raw)
    {
        await using var server = await TestServer.StartAsync();
        var (_, token) = await server.CreateUserAsync("ann@example.com");

        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(IPAddress.Loopback, server.Port);
            var stream = socket.GetStream();
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(raw));
            var buffer = new byte[512];
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.StartsWith("HTTP/1.1 4", System.Text.Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
        }

        // Nothing else changes: health answers, the server has not faulted, and a device streams into a conversation.
        using var health = await server.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        await DeviceSupport.StreamPcmAsync(server, token, new short[16000]);
        var user = await server.Server.Accounts.Users.FindByEmailAsync("ann@example.com", default);
        var conversation = Assert.Single(await DeviceSupport.ClosedConversationsAsync(server, user!.Id, 1));
        Assert.Equal(16000, conversation.SampleCount);
        Assert.False(server.Server.Faulted.IsCancellationRequested);
    }
}
