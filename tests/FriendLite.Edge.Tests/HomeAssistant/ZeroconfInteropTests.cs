using System.Diagnostics;
using System.Net;
using FriendLite.Edge.HomeAssistant;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.HomeAssistant;

/// <summary>
/// The advertiser on the real mDNS port, found by python-zeroconf, the library Home Assistant
/// discovers Wyoming servers with: browsed, resolved (port, host, address, no TXT properties), and
/// removed after the goodbye. Both bind 5353 with address reuse, as avahi-daemon does, so one holding it is no bother.
/// </summary>
public sealed class ZeroconfInteropTests
{
    private const string Python = "/usr/bin/python3";

    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    /// <summary>Prints "found port addresses server" once the instance resolves, then "removed" after its goodbye.</summary>
    private const string Browser = """
        import sys, time
        from zeroconf import Zeroconf, ServiceBrowser, ServiceStateChange
        wanted = sys.argv[1]
        zc = Zeroconf()
        def changed(zeroconf, service_type, name, state_change):
            if name != wanted:
                return
            if state_change is ServiceStateChange.Added:
                info = zeroconf.get_service_info(service_type, name, 10000)
                if info is None:
                    print("unresolved", flush=True)
                else:
                    print("found", info.port, ",".join(info.parsed_addresses()), info.server, len(info.properties), flush=True)
            elif state_change is ServiceStateChange.Removed:
                print("removed", flush=True)
        browser = ServiceBrowser(zc, "_wyoming._tcp.local.", handlers=[changed])
        sys.stdin.readline()
        zc.close()
        """;

    /// <summary>The browser above for <paramref name="instance"/>, its output read line by line.</summary>
    internal static Process StartBrowser(string instance) =>
        Process.Start(new ProcessStartInfo(Python, ["-c", Browser, instance])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;

    /// <summary>Tells the browser to close its Zeroconf and waits for it (killed after 10 s).</summary>
    internal static async Task EndAsync(Process python)
    {
        await python.StandardInput.WriteLineAsync();
        python.StandardInput.Close();
        if (!python.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            python.Kill();
        }
    }

    [PythonZeroconfFact]
    public async Task PythonZeroconf_BrowsesResolvesAndSeesTheGoodbye()
    {
        var name = $"FriendLite test {Guid.NewGuid().ToString()[..8]}";
        var addresses = ZeroconfAdvertiser.AddressesFor(IPAddress.Any);
        Assert.NotEmpty(addresses);
        var log = new LogLines();
        var advertiser = new ZeroconfAdvertiser(name, 10300, addresses, ZeroconfAdvertiser.LocalHostName(), log.Log);
        using var stop = new CancellationTokenSource();
        var running = advertiser.RunAsync(stop.Token);
        Assert.True(await advertiser.Ready.WaitAsync(s_wait), string.Join('\n', log.Lines));

        // The browser starts after both announcements, as Home Assistant does when it restarts, so what
        // it finds comes from the answers to its queries.
        await log.WaitForAsync("debug zeroconf: announced", s_wait);

        using var python = StartBrowser($"{name}._wyoming._tcp.local.");
        try
        {
            var found = await python.StandardOutput.ReadLineAsync().WaitAsync(s_wait);
            await stop.CancelAsync();
            await running.WaitAsync(s_wait);
            var removed = await python.StandardOutput.ReadLineAsync().WaitAsync(s_wait);

            Assert.Equal($"found 10300 {string.Join(',', addresses)} {ZeroconfAdvertiser.LocalHostName()} 0", found);
            Assert.Equal("removed", removed);
        }
        finally
        {
            await ZeroconfInteropTests.EndAsync(python);
        }
    }
}

/// <summary>
/// <c>serve --wyoming-listen ... --wyoming-zeroconf</c> end to end: Home Assistant's mDNS library
/// finds the running server's Wyoming port under its name, and sees it leave when the server stops.
/// </summary>
public sealed class SpeechServerZeroconfTests
{
    [PythonZeroconfFact]
    public async Task TheServersWyomingPort_IsFoundByPythonZeroconf_AndLeavesWithTheStop()
    {
        var name = $"friendlite-edge test {Guid.NewGuid().ToString()[..8]}";
        var log = new LogLines(FriendLite.Edge.Diagnostics.LogLevel.Debug);
        var server = await TestServer.StartAsync(log: log.Log, configure: o => o with
        {
            Engine = () => new SteppedEngine(gated: false),
            Wyoming = new SpeechServerOptions("0.0.0.0", 0) { ZeroconfName = name },
        });
        var port = server.Server.Speech!.EndPoint.Port;
        await log.WaitForAsync("debug zeroconf: announced", TimeSpan.FromSeconds(30));
        using var python = ZeroconfInteropTests.StartBrowser($"{name}._wyoming._tcp.local.");
        try
        {
            var found = await python.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(await server.Server.StopAsync());
            var removed = await python.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));

            Assert.StartsWith($"found {port} ", found, StringComparison.Ordinal);
            Assert.Equal("removed", removed);
        }
        finally
        {
            await ZeroconfInteropTests.EndAsync(python);
            await server.DisposeAsync();
        }
    }
}

/// <summary>A fact that runs where python3-zeroconf is installed (Debian: apt-get install python3-zeroconf).</summary>
public sealed class PythonZeroconfFactAttribute : FactAttribute
{
    private static readonly Lazy<bool> s_available = new(() =>
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-c", "import zeroconf"]) { RedirectStandardError = true })!;
            return probe.WaitForExit(TimeSpan.FromSeconds(20)) && probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    public PythonZeroconfFactAttribute()
    {
        if (!s_available.Value)
        {
            Skip = "python3-zeroconf is not installed (apt-get install -y python3-zeroconf); the interop test with Home Assistant's mDNS library did not run";
        }
    }
}
