using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Http;

/// <summary>
/// The login's limits on the real host: failed attempts per address and per account, and the
/// global cap on password hashing. Requests come from several loopback addresses (127.0.0.2, ...)
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
        // Both refusals came from one address within 10 s: one line, so a flood cannot flood the journal.
        Assert.Single(log.Lines, l => l.Contains("login refused: too many failed logins for this account", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Lines, l => l.Contains("http: refused status=429", StringComparison.Ordinal));
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
        using var annClient = ClientFrom(server, "127.0.0.3");
        using var ann = await LoginAsync(annClient, "ann@example.com", Password);

        Assert.Equal((HttpStatusCode)429, blocked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ann.StatusCode);
    }

    [Fact]
    public async Task Login_HashingQueueFull_IsRefusedWith503AndRetryAfter_WithoutStartingAnotherHash()
    {
        var hold = new HashHold();
        var log = new LogLines(LogLevel.Info);
        await using var server = await TestServer.StartAsync(log: log.Log,
            configure: o => o with { OnPasswordHash = hold.WaitAsync, HashConcurrency = 1, HashQueue = 2, HashWait = TimeSpan.FromHours(1) });
        await server.CreateUserAsync("ann@example.com");
        var hashedBefore = hold.Entered;
        hold.Close();

        var clients = Enumerable.Range(2, 5).Select(i => ClientFrom(server, $"127.0.0.{i}")).ToList();
        var attempts = clients.Select(client => LoginAsync(client, "ann@example.com", "a wrong guess")).ToList();
        await WaitUntilAsync(() => attempts.Count(a => a.IsCompleted) >= 2, "two attempts to be refused while three wait for hashing");
        var refused = attempts.Where(a => a.IsCompleted).Select(a => a.Result).ToList();
        var hashesWhileHeld = hold.Entered - hashedBefore;
        hold.Open();
        var rest = await Task.WhenAll(attempts.Where(a => !refused.Contains(a.Result)));

        Assert.Equal(1, hashesWhileHeld);
        foreach (var response in refused)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.InRange(response.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
            Assert.Contains("busy checking other passwords", await DetailAsync(response), StringComparison.Ordinal);
        }

        Assert.All(rest, r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
        Assert.Equal(2, log.Lines.Count(l => l.Contains("password hash refused: the hashing queue is full", StringComparison.Ordinal)));
        clients.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task Login_HashingQueueFullOfStrangers_FromAnAddressThatLoggedInBefore_WaitsAheadOfThemAndLogsIn()
    {
        var hold = new HashHold();
        await using var server = await TestServer.StartAsync(
            configure: o => o with { OnPasswordHash = hold.WaitAsync, HashConcurrency = 1, HashQueue = 2, HashWait = TimeSpan.FromHours(1) });
        await server.CreateUserAsync("ann@example.com");
        using var annPhone = ClientFrom(server, "127.0.0.9");
        using (var earlier = await LoginAsync(annPhone, "ann@example.com", Password))
        {
            Assert.Equal(HttpStatusCode.OK, earlier.StatusCode);
        }

        hold.Close();
        var strangers = Enumerable.Range(2, 4).Select(i => ClientFrom(server, $"127.0.0.{i}")).ToList();
        var guesses = strangers.Select(client => LoginAsync(client, $"guess{client.GetHashCode()}@example.com", "a wrong guess")).ToList();
        var gate = server.Server.Accounts.Hasher.Gate!;
        await WaitUntilAsync(() => guesses.Any(a => a.IsCompleted) && gate.Waiting == 2, "two strangers to wait and the next to be refused");

        var ann = LoginAsync(annPhone, "ann@example.com", Password);
        await WaitUntilAsync(() => ann.IsCompleted || gate.Waiting == 3, "Ann's login to be answered or to wait");
        hold.Open();
        using var annResponse = await ann;
        var statuses = (await Task.WhenAll(guesses)).Select(r => (int)r.StatusCode).Order().ToList();

        Assert.Equal(HttpStatusCode.OK, annResponse.StatusCode);
        Assert.Equal([400, 400, 400, 503], statuses);
        strangers.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task Login_WaitingForHashingPastTheDeadline_IsRefusedWith503()
    {
        var hold = new HashHold();
        var log = new LogLines(LogLevel.Info);
        await using var server = await TestServer.StartAsync(log: log.Log,
            configure: o => o with { OnPasswordHash = hold.WaitAsync, HashConcurrency = 1, HashQueue = 4, HashWait = TimeSpan.FromMilliseconds(200) });
        await server.CreateUserAsync("ann@example.com");
        hold.Close();
        using var firstClient = ClientFrom(server, "127.0.0.2");
        using var secondClient = ClientFrom(server, "127.0.0.3");
        var first = LoginAsync(firstClient, "ann@example.com", "a wrong guess");
        await WaitUntilAsync(() => hold.Entered == 2, "the first attempt to be hashed");

        // The hash ahead of it never ends while held: only the deadline can answer this one.
        using var second = await LoginAsync(secondClient, "ann@example.com", "a wrong guess");
        hold.Open();
        using var firstResponse = await first;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Contains("busy checking other passwords", await DetailAsync(second), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, firstResponse.StatusCode);
        Assert.Single(log.Lines, l => l.Contains("password hash refused: waited too long for a hashing slot", StringComparison.Ordinal));
        // Refused before its hash, the attempt was not counted as a failure: the address has all ten left.
        for (var i = 0; i < 10; i++)
        {
            using var failure = await LoginAsync(secondClient, "ann@example.com", $"guess {i}");
            Assert.Equal(HttpStatusCode.BadRequest, failure.StatusCode);
        }
    }

    [Fact]
    public async Task CreateUser_WhileHashingIsFull_Gets503NotAServerError()
    {
        var hold = new HashHold();
        await using var server = await TestServer.StartAsync(
            configure: o => o with { OnPasswordHash = hold.WaitAsync, HashConcurrency = 1, HashQueue = 0, HashWait = TimeSpan.FromHours(1) });
        var (_, adminToken) = await server.CreateUserAsync("root@example.com", admin: true);
        using var admin = server.ClientWithToken(adminToken);
        hold.Close();
        using var guest = ClientFrom(server, "127.0.0.2");
        var login = LoginAsync(guest, "root@example.com", "a wrong guess");
        await WaitUntilAsync(() => hold.Entered == 2, "the login to be hashed");

        using var created = await admin.PostAsJsonAsync("/api/users", new { email = "new@example.com", password = Password });
        hold.Open();
        using var _ = await login;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, created.StatusCode);
        Assert.Contains("busy checking other passwords", await DetailAsync(created), StringComparison.Ordinal);
        Assert.Null(await server.Server.Accounts.Users.FindByEmailAsync("new@example.com", default));
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

    private static async Task<string> DetailAsync(HttpResponseMessage response)
    {
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("detail").GetString()!;
    }

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
