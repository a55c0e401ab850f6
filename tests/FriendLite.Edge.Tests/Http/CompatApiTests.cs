using System.Net.Http.Json;
using FriendLite.Edge.Tests.Support;
using static FriendLite.Edge.Tests.Support.MemorySeed;

namespace FriendLite.Edge.Tests.Http;

/// <summary>The fields and routes Friend-Lite's clients and scripts read: health, user management, lenient booleans.</summary>
public sealed class CompatApiTests
{
    private const string Password = "correct horse battery";

    [Fact]
    public async Task Health_KeepsItsComponents_AndAddsFriendLitesTimestampServicesAndVerdicts()
    {
        await using var server = await TestServer.StartAsync();
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var health = await JsonAsync(server.Client, "/health");
        var readiness = await JsonAsync(server.Client, "/readiness");

        var after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.Equal("ok", health.GetProperty("components").GetProperty("database").GetProperty("status").GetString());
        Assert.InRange(health.GetProperty("timestamp").GetInt64(), before, after);
        var services = health.GetProperty("services");
        Assert.Equal(["database", "disk", "memory", "transcription", "vad", "workers"], services.EnumerateObject().Select(s => s.Name).Order(StringComparer.Ordinal));
        var database = services.GetProperty("database");
        Assert.Equal(("ok", true, true), (database.GetProperty("status").GetString(), database.GetProperty("healthy").GetBoolean(), database.GetProperty("critical").GetBoolean()));
        Assert.False(services.GetProperty("disk").GetProperty("critical").GetBoolean());
        // No model was asked for: transcription is unavailable by choice, which is not unhealthy.
        Assert.Equal(("unavailable", true), (services.GetProperty("transcription").GetProperty("status").GetString(), services.GetProperty("transcription").GetProperty("healthy").GetBoolean()));
        Assert.True(health.GetProperty("overall_healthy").GetBoolean());
        Assert.True(health.GetProperty("critical_services_healthy").GetBoolean());
        Assert.Equal("ready", readiness.GetProperty("status").GetString());
        Assert.InRange(readiness.GetProperty("timestamp").GetInt64(), before, after);
    }

    [Fact]
    public async Task Health_WithAModelThatDidNotLoad_IsNotOverallHealthy_ButItsCriticalServicesAre()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { ModelPath = "/nonexistent/ggml-typo.bin" });

        var health = await JsonAsync(server.Client, "/health");

        Assert.Equal("degraded", health.GetProperty("status").GetString());
        Assert.False(health.GetProperty("services").GetProperty("transcription").GetProperty("healthy").GetBoolean());
        Assert.False(health.GetProperty("overall_healthy").GetBoolean());
        Assert.True(health.GetProperty("critical_services_healthy").GetBoolean());
    }

    [Theory]
    [InlineData("/api/auth/health")]
    [InlineData("/auth/health")]
    public async Task AuthHealth_WithoutAToken_AnswersFriendLitesPreflight(string path)
    {
        await using var server = await TestServer.StartAsync();
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var body = await JsonAsync(server.Client, path);

        Assert.Equal(("ok", "ok", "ok"), (body.GetProperty("status").GetString(), body.GetProperty("database").GetString(), body.GetProperty("memory_service").GetString()));
        Assert.InRange(body.GetProperty("timestamp").GetInt64(), before, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("\"true\"", true)]
    [InlineData("\"True\"", true)]
    [InlineData("\"1\"", true)]
    [InlineData("1", true)]
    [InlineData("\"yes\"", true)]
    [InlineData("false", false)]
    [InlineData("\"False\"", false)]
    [InlineData("\"0\"", false)]
    [InlineData("0", false)]
    [InlineData("\"off\"", false)]
    [InlineData("null", false)]
    public async Task CreateUser_BooleansReadLikeFriendLitesServer(string value, bool admin)
    {
        await using var server = await TestServer.StartAsync();
        var (_, adminToken) = await server.CreateUserAsync("root@example.com", admin: true);
        using var client = server.ClientWithToken(adminToken);

        var (status, body) = await SendAsync(client, HttpMethod.Post, "/api/users",
            $$"""{"email": "new@example.com", "password": "{{Password}}", "is_superuser": {{value}}, "is_active": "true", "is_verified": "False"}""");

        Assert.Equal(201, status);
        var user = await server.Server.Accounts.Users.FindByIdAsync(body.GetProperty("user_id").GetString()!, default);
        Assert.Equal((admin, true), (user!.IsAdmin, user.IsActive));
    }

    [Fact]
    public async Task CreateUser_InactiveAsFriendLitesWebPageMaySend_CannotSignInUntilActivated()
    {
        await using var server = await TestServer.StartAsync();
        var (_, adminToken) = await server.CreateUserAsync("root@example.com", admin: true);
        using var admin = server.ClientWithToken(adminToken);

        var (status, body) = await SendAsync(admin, HttpMethod.Post, "/api/users",
            $$"""{"email": "new@example.com", "password": "{{Password}}", "display_name": "New", "is_superuser": false, "is_active": "False"}""");

        Assert.Equal(201, status);
        Assert.False((await server.Server.Accounts.Users.FindByIdAsync(body.GetProperty("user_id").GetString()!, default))!.IsActive);
    }

    [Fact]
    public async Task PutUser_ChangesOnlyTheFieldsSent_AndAnswersInFriendLitesShape()
    {
        await using var server = await TestServer.StartAsync();
        var (_, adminToken) = await server.CreateUserAsync("root@example.com", admin: true);
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        await server.CreateUserAsync("bob@example.com");
        using var admin = server.ClientWithToken(adminToken);
        using var annClient = server.ClientWithToken(annToken);

        var (status, body) = await SendAsync(admin, HttpMethod.Put, $"/api/users/{ann.Id}",
            """{"email": "ann.new@example.com", "display_name": "Ann N.", "is_superuser": "True", "is_active": true}""");
        var changed = await server.Server.Accounts.Users.FindByIdAsync(ann.Id, default);
        var (password, _) = await SendAsync(admin, HttpMethod.Put, $"/api/users/{ann.Id}", """{"password": "a brand new password"}""");
        using var login = await server.Client.PostAsync("/auth/jwt/login",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "ann.new@example.com", ["password"] = "a brand new password" }));
        var (taken, takenBody) = await SendAsync(admin, HttpMethod.Put, $"/api/users/{ann.Id}", """{"email": "BOB@example.com", "display_name": "Not This"}""");
        var (missing, _) = await SendAsync(admin, HttpMethod.Put, "/api/users/000000000000000000000000", """{"display_name": "x"}""");
        var (byUser, _) = await SendAsync(annClient, HttpMethod.Put, $"/api/users/{ann.Id}", """{"display_name": "x"}""");

        Assert.Equal(200, status);
        Assert.Equal(("User ann.new@example.com updated successfully", ann.Id, "ann.new@example.com"),
            (body.GetProperty("message").GetString(), body.GetProperty("user_id").GetString(), body.GetProperty("user_email").GetString()));
        Assert.Equal(("ann.new@example.com", "Ann N.", true, true), (changed!.Email, changed.DisplayName, changed.IsAdmin, changed.IsActive));
        Assert.Equal(200, password);
        Assert.Equal(System.Net.HttpStatusCode.OK, login.StatusCode);
        Assert.Equal(409, taken);
        Assert.Contains("already exists", takenBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Ann N.", (await server.Server.Accounts.Users.FindByIdAsync(ann.Id, default))!.DisplayName); // the refused request changed nothing
        Assert.Equal(404, missing);
        Assert.Equal(401, byUser); // her password changed above, so her old token is revoked; a plain user is refused either way
    }

    [Fact]
    public async Task PutUser_ByAPlainUser_Is403()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        using var client = server.ClientWithToken(annToken);

        var (status, _) = await SendAsync(client, HttpMethod.Put, $"/api/users/{ann.Id}", """{"is_superuser": true}""");

        Assert.Equal(403, status);
        Assert.False((await server.Server.Accounts.Users.FindByIdAsync(ann.Id, default))!.IsAdmin);
    }

    [Fact]
    public async Task DeleteUser_WithFriendLitesDeleteMemories_RemovesTheirMemoriesAndActionItems()
    {
        await using var server = await TestServer.StartAsync();
        var (_, adminToken) = await server.CreateUserAsync("root@example.com", admin: true);
        var (ann, _) = await server.CreateUserAsync("ann@example.com");
        var seed = new MemorySeed(server);
        var memory = await seed.MemoryAsync(ann.Id, "Ann likes jazz");
        var item = await seed.ActionItemAsync(ann.Id, "Buy oat milk");
        using var admin = server.ClientWithToken(adminToken);

        using var deleted = await admin.DeleteAsync($"/api/users/{ann.Id}?delete_conversations=false&delete_memories=True");

        Assert.Equal(System.Net.HttpStatusCode.OK, deleted.StatusCode);
        var body = await deleted.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.True(body.GetProperty("deleted_data").GetProperty("data_deleted").GetBoolean());
        Assert.Null(await seed.Memories.FindAsync(memory.Id, default));
        Assert.Null(await seed.ActionItems.FindAsync(item.Id, default));
    }
}
