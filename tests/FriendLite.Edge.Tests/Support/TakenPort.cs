using System.Net;
using System.Net.Sockets;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Server;

namespace FriendLite.Edge.Tests.Support;

/// <summary>A second port of the server's (<c>--metrics-listen</c>, <c>--wyoming-listen</c>) on a port another program holds.</summary>
internal static class TakenPort
{
    /// <summary>
    /// Starts <c>serve</c> with <paramref name="configure"/> pointing a second port at a taken one:
    /// it must exit 1 with one sentence naming the port and <paramref name="flag"/>, and the public
    /// port, bound before, must be free again.
    /// </summary>
    public static async Task AssertRefusedAsync(string flag, Func<ServerOptions, int, ServerOptions> configure)
    {
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var taken = ((IPEndPoint)other.LocalEndpoint).Port;
        using var dir = new TempDirectory();
        using var lines = new LogLines(LogLevel.Info);
        var options = configure(new ServerOptions("127.0.0.1", TestServer.FreePort(), dir.Path, LogLevel.Info, Offline: true, TimeSpan.FromSeconds(5)), taken);

        var code = await ServeCommand.RunAsync(options, lines.Log, CancellationToken.None);

        Assert.Equal(1, code);
        Assert.Equal($"error server: Port {taken} on 127.0.0.1 is already in use by another program: stop it or choose another port with {flag}.",
            Assert.Single(lines.Lines, l => l.StartsWith("error", StringComparison.Ordinal)));
        using var main = new TcpListener(IPAddress.Loopback, options.Port);
        main.Start(); // the public port, bound before, was closed again
    }
}
