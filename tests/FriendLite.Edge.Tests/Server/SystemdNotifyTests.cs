using System.Net.Sockets;
using System.Text;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Server;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Server;

/// <summary>systemd's notify protocol, driven against a datagram socket the test owns, as systemd would own it.</summary>
public sealed partial class SystemdNotifyTests
{
    /// <summary>The socket systemd would listen on: every datagram the server sends, as text.</summary>
    private sealed class NotifySocket : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        private readonly TempDirectory? _dir;

        public NotifySocket(bool @abstract = false)
        {
            if (@abstract)
            {
                Address = "@friendlite-test-" + Guid.NewGuid().ToString("N");
                _socket.Bind(new UnixDomainSocketEndPoint("\0" + Address[1..]));
            }
            else
            {
                _dir = new TempDirectory();
                Address = Path.Combine(_dir.Path, "notify");
                _socket.Bind(new UnixDomainSocketEndPoint(Address));
            }
        }

        public string Address { get; }

        /// <summary>The next message, or null when none comes within <paramref name="timeout"/>.</summary>
        public async Task<string?> ReceiveAsync(TimeSpan timeout)
        {
            var buffer = new byte[4096];
            using var deadline = new CancellationTokenSource(timeout);
            try
            {
                var read = await _socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
                return Encoding.UTF8.GetString(buffer, 0, read);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        /// <summary>Messages until one satisfies <paramref name="done"/> (within 10 s); all of them, that one last.</summary>
        public async Task<List<string>> UntilAsync(Func<string, bool> done)
        {
            var messages = new List<string>();
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (DateTime.UtcNow < deadline)
            {
                var message = await ReceiveAsync(deadline - DateTime.UtcNow);
                if (message is null)
                {
                    break;
                }

                messages.Add(message);
                if (done(message))
                {
                    return messages;
                }
            }

            Assert.Fail($"no such message in 10 s; got [{string.Join(" | ", messages)}]");
            return messages;
        }

        public void Dispose()
        {
            _socket.Dispose();
            _dir?.Dispose();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Start_SaysReadyWithItsStatusAndPid_Stop_SaysStopping(bool @abstract)
    {
        using var systemd = new NotifySocket(@abstract);
        var server = await TestServer.StartAsync(configure: o => o with { NotifySocket = systemd.Address });
        string ready;
        await using (server)
        {
            ready = (await systemd.UntilAsync(m => m.Contains("READY=1", StringComparison.Ordinal)))[^1];
        }

        var stopping = await systemd.UntilAsync(m => m.Contains("STOPPING=1", StringComparison.Ordinal));

        Assert.Equal(["READY=1", "STATUS=0 devices, 0 segments queued, 0 transcribing", $"MAINPID={Environment.ProcessId}"], ready.Split('\n'));
        Assert.Contains("STATUS=stopping", stopping[^1], StringComparison.Ordinal);
        Assert.DoesNotContain(stopping, m => m.Contains("READY=1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watchdog_IsFedWhileTheServerAnswersItsOwnHealth()
    {
        using var systemd = new NotifySocket();
        await using var server = await TestServer.StartAsync(configure: o => o with { NotifySocket = systemd.Address, WatchdogTimeout = TimeSpan.FromMilliseconds(400) });

        var first = await systemd.UntilAsync(m => m.StartsWith("WATCHDOG=1\n", StringComparison.Ordinal));
        var second = await systemd.UntilAsync(m => m.StartsWith("WATCHDOG=1\n", StringComparison.Ordinal));

        Assert.Contains("STATUS=0 devices, 0 segments queued, 0 transcribing, 0 jobs waiting", second[^1], StringComparison.Ordinal);
        Assert.DoesNotContain(first.Concat(second), m => m.Contains("STOPPING", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watchdog_IsWithheldWhileTheServerDoesNotAnswer_AndFedAgainWhenItDoes()
    {
        using var systemd = new NotifySocket();
        var answering = true;
        var lines = new LogLines(LogLevel.Info);
        await using var server = await TestServer.StartAsync(log: lines.Log, configure: o => o with
        {
            NotifySocket = systemd.Address,
            WatchdogTimeout = TimeSpan.FromMilliseconds(200),
            WatchdogProbe = _ => Task.FromResult(Volatile.Read(ref answering)),
        });
        await systemd.UntilAsync(m => m.StartsWith("WATCHDOG=1\n", StringComparison.Ordinal));

        Volatile.Write(ref answering, false);
        await systemd.UntilAsync(m => m.StartsWith("STATUS=", StringComparison.Ordinal));
        var whileStuck = new List<string?> { await systemd.ReceiveAsync(TimeSpan.FromSeconds(1)), await systemd.ReceiveAsync(TimeSpan.FromSeconds(1)) };
        Volatile.Write(ref answering, true);
        await systemd.UntilAsync(m => m.StartsWith("WATCHDOG=1\n", StringComparison.Ordinal));

        Assert.All(whileStuck, m => Assert.StartsWith("STATUS=", m, StringComparison.Ordinal));
        Assert.Contains(lines.Lines, l => l.Contains("did not answer its own /health; the watchdog is not fed", StringComparison.Ordinal));
        Assert.Contains(lines.Lines, l => l.Contains("answers its own /health again", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NobodyListensOnTheNotifySocket_TheServerStartsAndServesAnyway()
    {
        using var dir = new TempDirectory();
        var lines = new LogLines(LogLevel.Warn);
        await using var server = await TestServer.StartAsync(log: lines.Log, configure: o => o with { NotifySocket = Path.Combine(dir.Path, "gone") });

        using var health = await server.Client.GetAsync("/health");

        Assert.True(health.IsSuccessStatusCode);
        Assert.Single(lines.Lines, l => l.Contains("could not notify systemd", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("30000000", null, 30.0)]
    [InlineData("30000000", "self", 30.0)]
    [InlineData("30000000", "1", null)]
    [InlineData("0", null, null)]
    [InlineData("soon", null, null)]
    [InlineData(null, null, null)]
    public void WatchdogTimeout_IsWatchdogUsec_ForThisProcessOnly(string? usec, string? pid, double? seconds)
    {
        var timeout = SystemdNotifier.WatchdogTimeout(usec, pid == "self" ? Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) : pid);

        Assert.Equal(seconds, timeout?.TotalSeconds);
    }
}
