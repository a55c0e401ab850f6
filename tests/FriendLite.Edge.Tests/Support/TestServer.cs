using System.Net;
using System.Net.Sockets;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Http;
using FriendLite.Edge.Server;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Tests.Support;

/// <summary>The real server on 127.0.0.1 and a free port, with its own temporary data directory.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private TestServer(EdgeServer server, TempDirectory dataDirectory, HttpClient client)
    {
        Server = server;
        DataDirectory = dataDirectory;
        Client = client;
    }

    public EdgeServer Server { get; }

    public TempDirectory DataDirectory { get; }

    public HttpClient Client { get; }

    public int Port => Server.Options.Port;

    /// <summary>Starts a server. PBKDF2 runs 1,000 iterations here instead of 600,000 so tests stay fast.</summary>
    public static async Task<TestServer> StartAsync(
        Action<Router, EdgeServer>? map = null,
        TimeSpan? shutdownTimeout = null,
        Log? log = null,
        Func<ServerOptions, ServerOptions>? configure = null,
        TempDirectory? dataDirectory = null)
    {
        dataDirectory ??= new TempDirectory();
        // Another process can take the port between probing and binding: try a few.
        for (var attempt = 0; ; attempt++)
        {
            var options = new ServerOptions("127.0.0.1", FreePort(), dataDirectory.Path, LogLevel.Error, Offline: true, shutdownTimeout ?? TimeSpan.FromSeconds(5))
            {
                PasswordIterations = 1000,
                MinFreeDisk = MinFreeDisk.None, // tests must not depend on the machine's free space; those about the floor set it
            };
            options = configure?.Invoke(options) ?? options;
            try
            {
                var server = await EdgeServer.StartAsync(options, log ?? Log.Null, map);
                var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{options.Port}/"), Timeout = TimeSpan.FromSeconds(30) };
                return new TestServer(server, dataDirectory, client);
            }
            catch (StartupException) when (attempt < 5)
            {
            }
        }
    }

    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>Creates a user straight in the store and returns it with a token for it.</summary>
    public async Task<(User User, string Token)> CreateUserAsync(string email, bool admin = false, string password = "correct horse battery")
    {
        var (user, error) = await Server.Accounts.CreateAsync(email, password, displayName: null, admin, default);
        Assert.True(user is not null, error);
        return (user, Server.Accounts.IssueToken(user));
    }

    /// <summary>A client that sends this bearer token on every request.</summary>
    public HttpClient ClientWithToken(string token)
    {
        var client = new HttpClient { BaseAddress = Client.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public bool KeepDataDirectory { get; set; }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        if (!KeepDataDirectory)
        {
            DataDirectory.Dispose();
        }
    }
}

internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("friendlite-test-").FullName;
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
