using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FriendLite.Edge.Accounts;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Http;

/// <summary>Authentication and authorization on the real host, as Friend-Lite's clients use them.</summary>
public sealed class AuthApiTests
{
    private const string Password = "correct horse battery";

    [Fact]
    public async Task Login_CorrectCredentials_ReturnsBearerTokenThatOpensApiMe()
    {
        await using var server = await TestServer.StartAsync();
        var (user, _) = await server.CreateUserAsync("ann@example.com");

        using var login = await LoginAsync(server, "ann@example.com", Password);

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        using var body = JsonDocument.Parse(await login.Content.ReadAsStringAsync());
        Assert.Equal("bearer", body.RootElement.GetProperty("token_type").GetString());
        using var client = server.ClientWithToken(body.RootElement.GetProperty("access_token").GetString()!);
        using var me = JsonDocument.Parse(await client.GetStringAsync("/api/me"));
        Assert.Equal(user.Id, me.RootElement.GetProperty("id").GetString());
        Assert.Equal("ann@example.com", me.RootElement.GetProperty("email").GetString());
        Assert.False(me.RootElement.GetProperty("is_superuser").GetBoolean());
        using var fastapiUsersPath = await client.GetAsync("/users/me");
        Assert.Equal(HttpStatusCode.OK, fastapiUsersPath.StatusCode);
    }

    [Fact]
    public async Task Login_EmailInAnotherCase_Succeeds()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateUserAsync("Ann@Example.com");

        using var login = await LoginAsync(server, "aNN@example.COM", Password);

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }

    [Fact]
    public async Task Login_WrongPasswordOrUnknownEmail_GiveTheSame400()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateUserAsync("ann@example.com");

        using var wrongPassword = await LoginAsync(server, "ann@example.com", "not the password");
        using var unknownEmail = await LoginAsync(server, "bob@example.com", Password);

        Assert.Equal(HttpStatusCode.BadRequest, wrongPassword.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknownEmail.StatusCode);
        Assert.Equal("{\"detail\":\"LOGIN_BAD_CREDENTIALS\"}", await wrongPassword.Content.ReadAsStringAsync());
        Assert.Equal(await wrongPassword.Content.ReadAsStringAsync(), await unknownEmail.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Login_DeactivatedUser_IsRefused()
    {
        await using var server = await TestServer.StartAsync();
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        await server.Server.Accounts.Users.SetActiveAsync(user.Id, false, default);

        using var login = await LoginAsync(server, "ann@example.com", Password);
        using var client = server.ClientWithToken(token);
        using var me = await client.GetAsync("/api/me");

        Assert.Equal(HttpStatusCode.BadRequest, login.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
    }

    [Fact]
    public async Task Login_TooManyFailures_Then429WithRetryAfterEvenForTheRightPassword()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateUserAsync("ann@example.com");
        for (var i = 0; i < 10; i++)
        {
            using var failure = await LoginAsync(server, "ann@example.com", $"guess {i}");
            Assert.Equal(HttpStatusCode.BadRequest, failure.StatusCode);
        }

        using var limited = await LoginAsync(server, "ann@example.com", Password);

        Assert.Equal((HttpStatusCode)429, limited.StatusCode);
        Assert.InRange(limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        Assert.Contains("Too many failed logins", await limited.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_BadBodies_GetClearErrors()
    {
        await using var server = await TestServer.StartAsync();

        using var json = await server.Client.PostAsync("/auth/jwt/login", new StringContent("{\"username\":\"a\"}", Encoding.UTF8, "application/json"));
        using var missing = await server.Client.PostAsync("/auth/jwt/login", new FormUrlEncodedContent([new("username", "a@b.c")]));
        using var huge = await server.Client.PostAsync("/auth/jwt/login", new StringContent("username=" + new string('a', 100_000), Encoding.UTF8, "application/x-www-form-urlencoded"));
        using var invalidUtf8 = await server.Client.PostAsync("/auth/jwt/login", new ByteArrayContent([0x75, 0x3D, 0xFF, 0xFE]) { Headers = { { "Content-Type", "application/x-www-form-urlencoded" } } });

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("username and password are required", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalidUtf8.StatusCode);
        using var health = await server.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task ProtectedRoute_WithoutToken_Is401WithBearerChallenge()
    {
        await using var server = await TestServer.StartAsync();

        using var response = await server.Client.GetAsync("/api/me");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("{\"detail\":\"Not authenticated: no token was sent.\"}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ProtectedRoute_TokenInQueryOnPlainRequest_IsNotAccepted()
    {
        await using var server = await TestServer.StartAsync();
        var (_, token) = await server.CreateUserAsync("ann@example.com");

        using var response = await server.Client.GetAsync($"/api/me?token={token}");

        // Not "no token was sent": the user did send one, in the wrong place; the answer names the right one.
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(
            "{\"detail\":\"Not authenticated: a token in the URL (?token=) is only accepted on device WebSocket upgrades; send it as a header instead: Authorization: Bearer TOKEN.\"}",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ProtectedRoute_ForgedTokens_AreAll401()
    {
        await using var server = await TestServer.StartAsync();
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        var parts = token.Split('.');
        var key = Encoding.UTF8.GetBytes((await File.ReadAllTextAsync(Path.Combine(server.DataDirectory.Path, AuthSecret.FileName))).Trim());
        var noneHeader = Base64Url.EncodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}"u8);
        var expired = new JwtTokens(key, new ManualTime(DateTimeOffset.UtcNow.AddDays(-2))).Issue(user.Id, TimeSpan.FromHours(1));
        var forged = new Dictionary<string, string>
        {
            ["alg none"] = $"{noneHeader}.{parts[1]}.",
            ["alg none with signature"] = $"{noneHeader}.{parts[1]}.{parts[2]}",
            ["bad signature"] = $"{parts[0]}.{parts[1]}.{Base64Url.EncodeToString(new byte[32])}",
            ["truncated"] = token[..(token.Length / 2)],
            ["expired"] = expired,
            ["garbage"] = "hello",
        };

        foreach (var (name, bad) in forged)
        {
            using var client = server.ClientWithToken(bad);
            using var response = await client.GetAsync("/api/me");
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{name}: {response.StatusCode}");
        }

        using var good = server.ClientWithToken(token);
        using var ok = await good.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task AdminRoutes_ForAPlainUser_Are403()
    {
        await using var server = await TestServer.StartAsync();
        var (other, _) = await server.CreateUserAsync("bob@example.com");
        var (_, token) = await server.CreateUserAsync("ann@example.com");
        using var client = server.ClientWithToken(token);

        using var list = await client.GetAsync("/api/users");
        using var create = await client.PostAsJsonAsync("/api/users", new { email = "eve@example.com", password = Password });
        using var delete = await client.DeleteAsync($"/api/users/{other.Id}");

        Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        Assert.NotNull(await server.Server.Accounts.Users.FindByIdAsync(other.Id, default));
    }

    [Fact]
    public async Task UserRecord_OwnIsVisible_AnotherUsersIs404_AdminSeesBoth()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        var (bob, _) = await server.CreateUserAsync("bob@example.com");
        var (_, adminToken) = await server.CreateUserAsync("root@example.com", admin: true);
        using var annClient = server.ClientWithToken(annToken);
        using var adminClient = server.ClientWithToken(adminToken);

        using var own = await annClient.GetAsync($"/api/users/{ann.Id}");
        using var others = await annClient.GetAsync($"/api/users/{bob.Id}");
        using var missing = await annClient.GetAsync("/api/users/000000000000000000000000");
        using var adminView = await adminClient.GetAsync($"/api/users/{bob.Id}");

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, others.StatusCode);
        Assert.Equal(await missing.Content.ReadAsStringAsync(), await others.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, adminView.StatusCode);
    }

    [Fact]
    public async Task Admin_CreatesUserWhoCanThenLogIn()
    {
        await using var server = await TestServer.StartAsync();
        var (_, adminToken) = await server.CreateUserAsync("root@example.com", admin: true);
        using var admin = server.ClientWithToken(adminToken);

        using var created = await admin.PostAsJsonAsync("/api/users", new { email = "new@example.com", password = Password, display_name = "New Person" });
        using var list = JsonDocument.Parse(await admin.GetStringAsync("/api/users"));
        using var login = await LoginAsync(server, "new@example.com", Password);

        // Friend-Lite's answer: a message, the new id and the email; the record itself is in the list.
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var id = body.RootElement.GetProperty("user_id").GetString()!;
        Assert.Equal(24, id.Length);
        Assert.Equal("new@example.com", body.RootElement.GetProperty("user_email").GetString());
        Assert.Equal("User new@example.com created successfully", body.RootElement.GetProperty("message").GetString());
        Assert.Equal(2, list.RootElement.GetArrayLength());
        Assert.Equal("New Person", list.RootElement.EnumerateArray().Single(u => u.GetProperty("id").GetString() == id).GetProperty("display_name").GetString());
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }

    [Theory]
    [InlineData("{\"email\":\"a@example.com\",\"password\":\"correct horse battery\",\"role\":\"god\"}", 400, "unknown field")]
    [InlineData("{\"email\":\"a@example.com\",\"password\":", 400, "not valid JSON")]
    [InlineData("[1,2]", 400, "not valid JSON")]
    [InlineData("{\"email\":\"a@example.com\",\"password\":\"short\"}", 400, "at least 8 characters")]
    [InlineData("{\"password\":\"correct horse battery\"}", 400, "An email is required")]
    [InlineData("{\"email\":\"not-an-email\",\"password\":\"correct horse battery\"}", 400, "is not an email address")]
    [InlineData("{\"email\":\"ROOT@example.com\",\"password\":\"correct horse battery\"}", 409, "already exists")]
    public async Task Admin_CreateUserWithBadBody_GetsOneLineError(string json, int status, string expected)
    {
        await using var server = await TestServer.StartAsync();
        var (_, adminToken) = await server.CreateUserAsync("root@example.com", admin: true);
        using var admin = server.ClientWithToken(adminToken);

        using var response = await admin.PostAsync("/api/users", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(status, (int)response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains(expected, body.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admin_DeletingSelf_IsRefused()
    {
        await using var server = await TestServer.StartAsync();
        var (root, adminToken) = await server.CreateUserAsync("root@example.com", admin: true);
        using var admin = server.ClientWithToken(adminToken);

        using var response = await admin.DeleteAsync($"/api/users/{root.Id}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull(await server.Server.Accounts.Users.FindByIdAsync(root.Id, default));
    }

    [Fact]
    public async Task Admin_DeletesUser_ByDefaultKeepingData_AndTheirTokenStopsWorking()
    {
        await using var server = await TestServer.StartAsync();
        var (_, adminToken) = await server.CreateUserAsync("root@example.com", admin: true);
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        await AddConversationAsync(server, ann.Id, audioPath: null);
        using var admin = server.ClientWithToken(adminToken);
        using var annClient = server.ClientWithToken(annToken);

        using var deleted = await admin.DeleteAsync($"/api/users/{ann.Id}");
        using var after = await annClient.GetAsync("/api/me");
        using var again = await admin.DeleteAsync($"/api/users/{ann.Id}");
        var (reused, _) = await server.CreateUserAsync("ann@example.com");

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        using (var body = JsonDocument.Parse(await deleted.Content.ReadAsStringAsync()))
        {
            Assert.Contains("their data is kept", body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.True(body.RootElement.GetProperty("deleted_data").GetProperty("user_deleted").GetBoolean());
            Assert.False(body.RootElement.GetProperty("deleted_data").GetProperty("data_deleted").GetBoolean());
        }

        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(1L, await CountConversationsAsync(server, ann.Id));
        Assert.NotEqual(ann.Id, reused.Id);
    }

    [Fact]
    public async Task Admin_DeletesUserWithDeleteData_RemovesRowsAndAudio()
    {
        await using var server = await TestServer.StartAsync();
        var (_, adminToken) = await server.CreateUserAsync("root@example.com", admin: true);
        var (ann, _) = await server.CreateUserAsync("ann@example.com");
        var audio = Path.Combine(server.DataDirectory.Path, "ann.wav");
        await File.WriteAllBytesAsync(audio, new byte[44]);
        await AddConversationAsync(server, ann.Id, audio);
        using var admin = server.ClientWithToken(adminToken);

        using var bad = await admin.DeleteAsync($"/api/users/{ann.Id}?delete_data=maybe");
        using var deleted = await admin.DeleteAsync($"/api/users/{ann.Id}?delete_data=true");

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        using var body = JsonDocument.Parse(await deleted.Content.ReadAsStringAsync());
        Assert.True(body.RootElement.GetProperty("deleted_data").GetProperty("data_deleted").GetBoolean());
        Assert.Equal(1, body.RootElement.GetProperty("deleted_data").GetProperty("audio_files_removed").GetInt32());
        Assert.Equal(0L, await CountConversationsAsync(server, ann.Id));
        Assert.False(File.Exists(audio));
    }

    [Fact]
    public async Task Delete_WithDataWhileTheirDeviceStreams_DeviceClosedFirstNothingOfThemLeft()
    {
        await using var server = await TestServer.StartAsync();
        var (_, adminToken) = await server.CreateUserAsync("boss@example.com", admin: true);
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        using var admin = server.ClientWithToken(adminToken);
        var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", annToken);
        await device.SendEventAsync(FriendLite.Edge.Wyoming.WyomingEvent.AudioStart, FriendLite.Edge.Audio.AudioFormat.Speech);
        await device.SendPcmAsync(Fixtures.Samples("jfk.wav"), FriendLite.Edge.Audio.AudioFormat.Speech);
        await DeviceSupport.WaitForAsync(async () => (await DeviceSupport.ConversationsAsync(server, ann.Id)).SingleOrDefault(c => c.State == "open"), "the conversation to open");

        using var deleted = await admin.DeleteAsync($"/api/users/{ann.Id}?delete_data=true");

        // The device is told before the data goes, so no session goes on recording into a deleted WAV.
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        var (status, reason) = await device.WaitForCloseAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.PolicyViolation, status);
        Assert.Equal("the account was deleted", reason);
        await device.DisposeAsync();
        await DeviceSupport.WaitForNoSessionsAsync(server);
        Assert.Equal(0L, await CountConversationsAsync(server, ann.Id));
        Assert.Empty(Directory.GetFiles(Path.Combine(server.DataDirectory.Path, "audio"), "*.wav", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Bootstrap_AdminFromOptions_IsCreatedOnceAndCanLogIn()
    {
        using var dir = new TempDirectory();
        var admin = new AdminAccount("boss@example.com", Password);
        await using (var first = await TestServer.StartAsync(dataDirectory: dir, configure: o => o with { Admin = admin }))
        {
            first.KeepDataDirectory = true;
            using var login = await LoginAsync(first, "boss@example.com", Password);
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        }

        await using var second = await TestServer.StartAsync(dataDirectory: dir, configure: o => o with { Admin = admin });
        var users = await second.Server.Accounts.Users.ListAsync(default);
        var boss = Assert.Single(users);
        Assert.True(boss.IsAdmin);
    }

    [Fact]
    public async Task Secret_GeneratedOnFirstStartWithMode0600_AndTokensSurviveARestart()
    {
        using var dir = new TempDirectory();
        string token;
        await using (var first = await TestServer.StartAsync(dataDirectory: dir))
        {
            first.KeepDataDirectory = true;
            (_, token) = await first.CreateUserAsync("ann@example.com");
        }

        await using var second = await TestServer.StartAsync(dataDirectory: dir);
        using var client = second.ClientWithToken(token);
        using var me = await client.GetAsync("/api/me");

        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var mode = File.GetUnixFileMode(Path.Combine(dir.Path, AuthSecret.FileName));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
    }

    [Fact]
    public async Task Login_HashWithFewerIterations_IsUpgradedOnSuccess()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { PasswordIterations = 2000 });
        var old = new PasswordHasher(1000).Hash(Password);
        var user = await server.Server.Accounts.Users.CreateAsync("ann@example.com", null, old, isAdmin: false, default);

        using var login = await LoginAsync(server, "ann@example.com", Password);

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var stored = (await server.Server.Accounts.Users.FindByIdAsync(user!.Id, default))!.PasswordHash;
        Assert.StartsWith("pbkdf2-sha256$2000$", stored, StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> LoginAsync(TestServer server, string email, string password) =>
        server.Client.PostAsync("/auth/jwt/login", new FormUrlEncodedContent([new("username", email), new("password", password)]));

    private static async Task AddConversationAsync(TestServer server, string userId, string? audioPath)
    {
        await using var connection = await server.Server.Database.OpenConnectionAsync(default);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO conversations (id, user_id, client_id, started_at, audio_path) VALUES ($id, $user, 'x-phone', 0, $path);";
        command.Parameters.AddWithValue("$id", Guid.NewGuid().ToString("N"));
        command.Parameters.AddWithValue("$user", userId);
        command.Parameters.AddWithValue("$path", (object?)audioPath ?? DBNull.Value);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountConversationsAsync(TestServer server, string userId)
    {
        await using var connection = await server.Server.Database.OpenConnectionAsync(default);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM conversations WHERE user_id = $user;";
        command.Parameters.AddWithValue("$user", userId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
