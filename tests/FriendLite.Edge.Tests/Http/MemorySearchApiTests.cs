using System.Text.Json;
using FriendLite.Edge.Tests.Support;
using static FriendLite.Edge.Tests.Support.MemorySeed;

namespace FriendLite.Edge.Tests.Http;

/// <summary><c>GET /api/memories/search</c>: memories and action items together, best first, quoted against FTS5 syntax, per user.</summary>
public sealed class MemorySearchApiTests
{
    [Fact]
    public async Task Search_OatMilk_FindsTheActionItemAndTheMemory_FullMatchesBeforePartialOnes()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        var seed = new MemorySeed(server);
        var due = new DateTimeOffset(2025, 3, 8, 10, 0, 0, TimeSpan.FromHours(1));
        var item = await seed.ActionItemAsync(ann.Id, "Buy oat milk and coffee beans", due);
        await seed.MemoryAsync(ann.Id, "Ann drinks her coffee with oat milk");
        await seed.MemoryAsync(ann.Id, "The milk in the office fridge is Bob's");
        await seed.MemoryAsync(ann.Id, "The dentist is on Main Street");
        using var client = server.ClientWithToken(annToken);

        var body = await JsonAsync(client, "/api/memories/search?query=oat%20milk");

        Assert.Equal(("oat milk", ann.Id), (body.GetProperty("query").GetString(), body.GetProperty("user_id").GetString()));
        var results = body.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(3, body.GetProperty("count").GetInt32());
        Assert.Equal(3, results.Count);
        var scores = results.Select(r => r.GetProperty("score").GetDouble()).ToList();
        Assert.Equal(scores.OrderDescending(), scores);
        Assert.All(scores, s => Assert.InRange(s, 0.0, 1.0));
        Assert.Contains("Bob's", results[2].GetProperty("memory").GetString(), StringComparison.Ordinal); // one word of two: last
        var action = results.Take(2).Single(r => r.GetProperty("metadata").GetProperty("kind").GetString() == "action_item");
        Assert.Equal($"action-{item.Id}", action.GetProperty("id").GetString());
        Assert.Equal("Buy oat milk and coffee beans", action.GetProperty("memory").GetString());
        var metadata = action.GetProperty("metadata");
        Assert.Equal(item.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), metadata.GetProperty("action_item_id").GetString());
        Assert.Equal(("open", false), (metadata.GetProperty("status").GetString(), metadata.GetProperty("completed").GetBoolean()));
        Assert.Equal(due, metadata.GetProperty("due_date").GetDateTimeOffset());
        Assert.Equal("2025-03-08T10:00:00+01:00", metadata.GetProperty("due_date").GetString());
        Assert.Contains(results.Take(2), r => r.GetProperty("memory").GetString() == "Ann drinks her coffee with oat milk");
        Assert.DoesNotContain(results, r => r.GetProperty("memory").GetString()!.Contains("dentist", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Search_ScoreThresholdAndLimit_KeepOnlyTheBestResults()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        var seed = new MemorySeed(server);
        await seed.ActionItemAsync(ann.Id, "Buy oat milk");
        await seed.MemoryAsync(ann.Id, "Ann drinks oat milk");
        await seed.MemoryAsync(ann.Id, "The milk is Bob's");
        using var client = server.ClientWithToken(annToken);

        var all = await JsonAsync(client, "/api/memories/search?query=oat+milk&score_threshold=0");
        var strict = await JsonAsync(client, "/api/memories/search?query=oat+milk&score_threshold=0.8");
        var one = await JsonAsync(client, "/api/memories/search?query=oat+milk&limit=1");
        var bad = await SendAsync(client, HttpMethod.Get, "/api/memories/search?query=milk&score_threshold=1.5");
        var badLimit = await SendAsync(client, HttpMethod.Get, "/api/memories/search?query=milk&limit=101");

        Assert.Equal(3, all.GetProperty("count").GetInt32());
        Assert.Equal(2, strict.GetProperty("count").GetInt32());
        Assert.All(strict.GetProperty("results").EnumerateArray(), r => Assert.True(r.GetProperty("score").GetDouble() >= 0.8));
        Assert.Equal(all.GetProperty("results")[0].GetRawText(), Assert.Single(one.GetProperty("results").EnumerateArray()).GetRawText());
        Assert.Equal(422, bad.Status);
        Assert.Contains("score_threshold must be a number from 0 to 1", bad.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(422, badLimit.Status);
    }

    [Theory]
    [InlineData("\"oat")]
    [InlineData("oat\" OR \"x")]
    [InlineData("oat*")]
    [InlineData("NEAR(oat beans)")]
    [InlineData("text:oat")]
    [InlineData("oat'; DROP TABLE memories; --")]
    [InlineData("oat AND NOT ^")]
    [InlineData("{oat}")]
    public async Task Search_QuerySyntaxOrUnbalancedQuotes_IsAPlainSearchForTheWords(string query)
    {
        await using var server = await TestServer.StartAsync();
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        var seed = new MemorySeed(server);
        await seed.MemoryAsync(ann.Id, "Ann drinks oat milk");
        await seed.ActionItemAsync(ann.Id, "Order oat flakes");
        using var client = server.ClientWithToken(annToken);

        var body = await JsonAsync(client, $"/api/memories/search?query={Uri.EscapeDataString(query)}");

        Assert.Equal(query, body.GetProperty("query").GetString());
        var found = body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("memory").GetString()).ToList();
        Assert.Contains("Ann drinks oat milk", found);
        Assert.Contains("Order oat flakes", found);
        Assert.Equal(1, (await JsonAsync(client, "/api/memories")).GetProperty("total_count").GetInt32());
    }

    [Theory]
    [InlineData("/api/memories/search")]
    [InlineData("/api/memories/search?query=")]
    [InlineData("/api/memories/search?query=%20%20")]
    public async Task Search_MissingOrEmptyQuery_Is422WithASentence(string path)
    {
        await using var server = await TestServer.StartAsync();
        var (_, token) = await server.CreateUserAsync("ann@example.com");
        using var client = server.ClientWithToken(token);

        var (status, body) = await SendAsync(client, HttpMethod.Get, path);

        Assert.Equal(422, status);
        Assert.StartsWith("query is required", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_QueryWithoutWords_FindsNothing()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        await new MemorySeed(server).MemoryAsync(ann.Id, "Ann drinks oat milk");
        using var client = server.ClientWithToken(token);

        var body = await JsonAsync(client, "/api/memories/search?query=%22%22%20*%20(");

        Assert.Equal(0, body.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Search_AnotherUsersMemoriesAndActionItems_NeverAppear_AnAdminNamesTheUser()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, _) = await server.CreateUserAsync("ann@example.com");
        var (_, bobToken) = await server.CreateUserAsync("bob@example.com");
        var (_, adminToken) = await server.CreateUserAsync("root@example.com", admin: true);
        var seed = new MemorySeed(server);
        await seed.MemoryAsync(ann.Id, "Ann drinks oat milk");
        await seed.ActionItemAsync(ann.Id, "Buy oat milk");
        using var bobClient = server.ClientWithToken(bobToken);
        using var adminClient = server.ClientWithToken(adminToken);

        var bobs = await JsonAsync(bobClient, $"/api/memories/search?query=oat+milk&user_id={ann.Id}");
        var adminOwn = await JsonAsync(adminClient, "/api/memories/search?query=oat+milk");
        var adminForAnn = await JsonAsync(adminClient, $"/api/memories/search?query=oat+milk&user_id={ann.Id}");

        Assert.Equal(0, bobs.GetProperty("count").GetInt32());
        Assert.NotEqual(ann.Id, bobs.GetProperty("user_id").GetString());
        Assert.Equal(0, adminOwn.GetProperty("count").GetInt32());
        Assert.Equal(2, adminForAnn.GetProperty("count").GetInt32());
        Assert.All(adminForAnn.GetProperty("results").EnumerateArray(), r => Assert.Equal(ann.Id, r.GetProperty("user_id").GetString()));
    }

    [Fact]
    public async Task Search_AfterTheUserDeletesAMemory_ItIsNoLongerFound()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        var memory = await new MemorySeed(server).MemoryAsync(ann.Id, "Ann drinks oat milk");
        using var client = server.ClientWithToken(token);

        var before = await JsonAsync(client, "/api/memories/search?query=oat");
        var (deleted, _) = await SendAsync(client, HttpMethod.Delete, $"/api/memories/{memory.Id}");
        var after = await JsonAsync(client, "/api/memories/search?query=oat");

        Assert.Equal(1, before.GetProperty("count").GetInt32());
        Assert.Equal(200, deleted);
        Assert.Equal(JsonValueKind.Array, after.GetProperty("results").ValueKind);
        Assert.Equal(0, after.GetProperty("count").GetInt32());
    }
}
