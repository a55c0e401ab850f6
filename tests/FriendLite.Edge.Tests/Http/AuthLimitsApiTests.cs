using System.Net;
using System.Net.Sockets;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Http;

/// <summary>
/// The login's limits on the real host: failed attempts per address and per account. Requests come from several loopback addresses (127.0.0.2, ...)
/// so each client is a different address to the server, as devices on a LAN are; hashes are held
/// by a hook so that "in flight" is a state the test controls, not a race.
/// </summary>
public sealed class AuthLimitsApiTests
{
    private const string Password = "correct horse battery";

    [Fact]
    public async Task Login_FortyParallelWrongPasswords_ExactlyTheLimitGetCredentialAnswersTheRest429()
    {
        var hold = new HashHold();
        await using var server = await TestServer.StartAsync(configure: o => o with { OnPasswordHash = hold.WaitAsync });
        await server.CreateUserAsync("ann@example.com");
        hold.Close();
        using var guest = ClientFrom(server, "127.0.0.2");

        var attempts = Enumerable.Range(0, 40).Select(i => LoginAsync(guest, "ann@example.com", $"guess {i}")).ToList();
        // The attempts past the limit are answered at once, while the first ten are still being hashed
        // (if they are not, the count below says how many got through).
        await Task.WhenAny(WaitUntilAsync(() => attempts.Count(a => a.IsCompleted) >= 30, "30 attempts to be answered while 10 are hashed"));
        hold.Open();
        var statuses = (await Task.WhenAll(attempts)).Select(r => (int)r.StatusCode).ToList();

        Assert.Equal(10, statuses.Count(s => s == 400));
        Assert.Equal(30, statuses.Count(s => s == 429));
    }

    [Fact]
    public async Task Login_ManyAddressesGuessingOneAccount_ThatAccountIsBlockedForAnyNewAddress()
    {
        var log = new LogLines(LogLevel.Info);
        await using var server = await TestServer.StartAsync(log: log.Log);
        await server.CreateUserAsync("ann@example.com");
        await server.CreateUserAsync("bob@example.com");
        for (var guest = 2; guest <= 3; guest++)
        {
            using var client = ClientFrom(server, $"127.0.0.{guest}");
            for (var i = 0; i < 10; i++)
            {
                using var failure = await LoginAsync(client, "ANN@example.com ", $"guess {i}");
                Assert.Equal(HttpStatusCode.BadRequest, failure.StatusCode);
            }
        }

        using var stranger = ClientFrom(server, "127.0.0.4");
        using var guess = await LoginAsync(stranger, "ann@example.com", "guess 21");
        using var right = await LoginAsync(stranger, "ann@example.com", Password);
        using var otherAccount = await LoginAsync(stranger, "bob@example.com", Password);

        Assert.Equal((HttpStatusCode)429, guess.StatusCode);
        Assert.Equal((HttpStatusCode)429, right.StatusCode);
        Assert.InRange(right.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        Assert.Contains("Too many failed logins for this account", await right.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, otherAccount.StatusCode);
        Assert.Equal(2, log.Lines.Count(l => l.Contains("login refused: too many failed logins for this account", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Login_AccountUnderAttack_FromAnAddressThatLoggedInBefore_StillLogsIn()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateUserAsync("ann@example.com");
        using var annPhone = ClientFrom(server, "127.0.0.5");
        using (var earlier = await LoginAsync(annPhone, "ann@example.com", Password))
        {
            Assert.Equal(HttpStatusCode.OK, earlier.StatusCode);
        }

        for (var guest = 2; guest <= 4; guest++)
        {
            using var client = ClientFrom(server, $"127.0.0.{guest}");
            for (var i = 0; i < 10; i++)
            {
                using var _ = await LoginAsync(client, "ann@example.com", $"guess {i}");
            }
        }

        using var typo = await LoginAsync(annPhone, "ann@example.com", "correct horse batteyr");
        using var login = await LoginAsync(annPhone, "ann@example.com", Password);

        Assert.Equal(HttpStatusCode.BadRequest, typo.StatusCode);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }

    [Fact]
    public async Task Login_GuestBlocked_TheRightPasswordFromAnotherAddressStillLogsIn()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateUserAsync("ann@example.com");
        using var guest = ClientFrom(server, "127.0.0.2");
        for (var i = 0; i < 10; i++)
        {
            using var _ = await LoginAsync(guest, "ann@example.com", $"guess {i}");
        }

        using var blocked = await LoginAsync(guest, "ann@example.com", Password);
        using var ann = await LoginAsync(ClientFrom(server, "127.0.0.3"), "ann@example.com", Password);

        Assert.Equal((HttpStatusCode)429, blocked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ann.StatusCode);
    }

    /// <summary>A client whose connections come from <paramref name="localAddress"/> (any 127.x address reaches the server).</summary>
    private static HttpClient ClientFrom(TestServer server, string localAddress)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = server.Client.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    private static Task<HttpResponseMessage> LoginAsync(HttpClient client, string email, string password) =>
        client.PostAsync("/auth/jwt/login", new FormUrlEncodedContent([new("username", email), new("password", password)]));

    private static Task WaitUntilAsync(Func<bool> condition, string what) =>
        DeviceSupport.WaitUntilAsync(condition, what, TimeSpan.FromSeconds(10));

    /// <summary>The server's hash hook: open, every hash goes through; closed, hashes wait in it.</summary>
    private sealed class HashHold
    {
        private volatile TaskCompletionSource _open = Opened();
        private int _entered;

        /// <summary>Hashes that have reached the hook (held or not).</summary>
        public int Entered => Volatile.Read(ref _entered);

        public void Close() => _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Open() => _open.TrySetResult();

        public Task WaitAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _entered);
            return _open.Task.WaitAsync(cancellationToken);
        }

        private static TaskCompletionSource Opened()
        {
            var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            open.SetResult();
            return open;
        }
    }
}
