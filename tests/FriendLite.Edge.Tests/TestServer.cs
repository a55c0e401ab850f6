using System.Net;
using System.Net.Sockets;
using FriendLite.Edge.Http;
using FriendLite.Edge.Sessions;

namespace FriendLite.Edge.Tests;

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

    public static TestServer Start(Action<Router, EdgeServer>? map = null, TimeSpan? shutdownTimeout = null, Log? log = null)
    {
        var dataDirectory = new TempDirectory();
        // Another process can take the port between probing and binding: try a few.
        for (var attempt = 0; ; attempt++)
        {
            var options = new ServerOptions("127.0.0.1", FreePort(), dataDirectory.Path, LogLevel.Error, Offline: true, shutdownTimeout ?? TimeSpan.FromSeconds(5));
            try
            {
                var server = EdgeServer.Start(options, log ?? Log.Null, map);
                var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{options.Port}/"), Timeout = TimeSpan.FromSeconds(30) };
                return new TestServer(server, dataDirectory, client);
            }
            catch (Storage.StartupException) when (attempt < 5)
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

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        DataDirectory.Dispose();
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
