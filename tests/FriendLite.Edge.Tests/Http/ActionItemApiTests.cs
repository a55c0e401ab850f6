using System.Text.Json;
using FriendLite.Edge.Tests.Support;
using static FriendLite.Edge.Tests.Support.MemorySeed;

namespace FriendLite.Edge.Tests.Http;

/// <summary>Action items in the shapes of Friend-Lite's first version, each user seeing only their own.</summary>
public sealed class ActionItemApiTests
{
    [Fact]
    public async Task Create_Is201InFriendLitesShape_AndTheListFiltersByStatus()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        await new MemorySeed(server).ActionItemAsync(ann.Id, "Return the library books", status: "completed");
        using var client = server.ClientWithToken(token);

        var (status, created) = await SendAsync(client, HttpMethod.Post, "/api/action-items",
            """{"description": " Call the dentist ", "assignee": "Ann", "due_date": "2025-03-07T10:00:00+01:00", "priority": "HIGH", "context": "tooth ache"}""");
        var open = await JsonAsync(client, "/api/action-items?status=open");
        var completed = await JsonAsync(client, "/api/action-items?status=completed");
        var all = await JsonAsync(client, "/api/action-items");
        var (badStatus, badStatusBody) = await SendAsync(client, HttpMethod.Get, "/api/action-items?status=done");

        Assert.Equal(201, status);
        Assert.Equal("Action item created successfully", created.GetProperty("message").GetString());
        var item = created.GetProperty("action_item");
        Assert.Equal(("Call the dentist", "Ann", "high", "tooth ache"),
            (item.GetProperty("description").GetString(), item.GetProperty("assignee").GetString(), item.GetProperty("priority").GetString(), item.GetProperty("context").GetString()));
        Assert.Equal("2025-03-07T10:00:00+01:00", item.GetProperty("due_date").GetString());
        Assert.Equal(("open", false, "user"), (item.GetProperty("status").GetString(), item.GetProperty("completed").GetBoolean(), item.GetProperty("source").GetString()));
        Assert.Equal(JsonValueKind.Null, item.GetProperty("completed_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, item.GetProperty("conversation_id").ValueKind);
        Assert.Equal(JsonValueKind.String, item.GetProperty("id").ValueKind);
        Assert.Equal("Call the dentist", Assert.Single(open.GetProperty("action_items").EnumerateArray()).GetProperty("description").GetString());
        Assert.Equal(("open", 1), (open.GetProperty("status_filter").GetString(), open.GetProperty("count").GetInt32()));
        Assert.Equal("Return the library books", Assert.Single(completed.GetProperty("action_items").EnumerateArray()).GetProperty("description").GetString());
        Assert.Equal((2, ann.Id), (all.GetProperty("count").GetInt32(), all.GetProperty("user_id").GetString()));
        Assert.Equal(422, badStatus);
        Assert.Contains("status must be open or completed", badStatusBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"assignee": "Ann"}""", 422, "description is required")]
    [InlineData("""{"description": "   "}""", 422, "description is required")]
    [InlineData("""{"description": 42}""", 422, "description must be a string or null, not a number")]
    [InlineData("""{"description": "x", "status": "in_progress"}""", 422, "status must be open or completed, not 'in_progress'")]
    [InlineData("""{"description": "x", "priority": "urgent"}""", 422, "priority must be low, medium or high (or null), not 'urgent'")]
    [InlineData("""{"description": "x", "due_date": "2025-03-07T10:00"}""", 422, "due_date '2025-03-07T10:00' has no UTC offset: add the one it was meant in, such as 2025-03-07T10:00+01:00")]
    [InlineData("""{"description": "x", "due_date": "2025-03-07"}""", 422, "due_date must be an ISO 8601 date and time with an offset")]
    [InlineData("""{"description": "x", "due_date": "next friday"}""", 422, "due_date must be an ISO 8601 date and time with an offset")]
    [InlineData("""{"description": "x", "due_date": 1741338000}""", 422, "not a number")]
    [InlineData("""{"description": "x", "status": "open", "completed": true}""", 422, "disagree")]
    [InlineData("""{"description": "x", "tool": "set_alarm"}""", 400, "unknown field 'tool'")]
    public async Task Create_BadField_IsRefusedWithOneSentence_AndNothingIsStored(string json, int status, string expected)
    {
        await using var server = await TestServer.StartAsync();
        var (_, token) = await server.CreateUserAsync("ann@example.com");
        using var client = server.ClientWithToken(token);

        var (answer, body) = await SendAsync(client, HttpMethod.Post, "/api/action-items", json);

        Assert.Equal(status, answer);
        Assert.Contains(expected, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await JsonAsync(client, "/api/action-items")).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task PutAndPatch_ChangeOnlyTheFieldsSent_CompletingStampsCompletedAt_ReopeningClearsIt()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        var item = await new MemorySeed(server).ActionItemAsync(ann.Id, "Buy oat milk", DateTimeOffset.Parse("2025-03-08T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        using var client = server.ClientWithToken(token);
        var path = $"/api/action-items/{item.Id}";

        var (putStatus, put) = await SendAsync(client, HttpMethod.Put, path, """{"priority": "low", "assignee": "Bob"}""");
        var (patchStatus, patch) = await SendAsync(client, HttpMethod.Patch, path, """{"status": "completed"}""");
        var (_, reopened) = await SendAsync(client, HttpMethod.Patch, path, """{"completed": "False"}""");
        var (_, cleared) = await SendAsync(client, HttpMethod.Put, path, """{"due_date": null, "assignee": ""}""");
        var (emptyStatus, emptyBody) = await SendAsync(client, HttpMethod.Put, path, "{}");
        var (blankStatus, _) = await SendAsync(client, HttpMethod.Patch, path, """{"description": ""}""");

        Assert.Equal(200, putStatus);
        var afterPut = put.GetProperty("action_item");
        Assert.Equal(("Buy oat milk", "low", "Bob"), (afterPut.GetProperty("description").GetString(), afterPut.GetProperty("priority").GetString(), afterPut.GetProperty("assignee").GetString()));
        Assert.Equal("2025-03-08T09:00:00+00:00", afterPut.GetProperty("due_date").GetString());
        Assert.Equal(200, patchStatus);
        Assert.Equal(("completed", $"{item.Id}"), (patch.GetProperty("new_status").GetString(), patch.GetProperty("action_item_id").GetString()));
        Assert.True(patch.GetProperty("action_item").GetProperty("completed").GetBoolean());
        Assert.Equal(JsonValueKind.String, patch.GetProperty("action_item").GetProperty("completed_at").ValueKind);
        Assert.Equal("open", reopened.GetProperty("action_item").GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, reopened.GetProperty("action_item").GetProperty("completed_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("action_item").GetProperty("due_date").ValueKind);
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("action_item").GetProperty("assignee").ValueKind);
        Assert.Equal("low", cleared.GetProperty("action_item").GetProperty("priority").GetString());
        Assert.Equal(422, emptyStatus);
        Assert.StartsWith("Nothing to change", emptyBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(422, blankStatus);
        Assert.Equal("Buy oat milk", (await JsonAsync(client, path)).GetProperty("description").GetString());
    }

    [Fact]
    public async Task AnotherUsersItem_Is404LikeAMissingOneOnEveryRoute_AndStaysUnchanged()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        var (_, bobToken) = await server.CreateUserAsync("bob@example.com");
        var (_, adminToken) = await server.CreateUserAsync("root@example.com", admin: true);
        var seed = new MemorySeed(server);
        var item = await seed.ActionItemAsync(ann.Id, "Buy oat milk");
        using var bobClient = server.ClientWithToken(bobToken);
        using var adminClient = server.ClientWithToken(adminToken);
        var path = $"/api/action-items/{item.Id}";

        var missing = await SendAsync(bobClient, HttpMethod.Get, "/api/action-items/987654");
        var answers = new[]
        {
            await SendAsync(bobClient, HttpMethod.Get, path),
            await SendAsync(bobClient, HttpMethod.Put, path, """{"status": "completed"}"""),
            await SendAsync(bobClient, HttpMethod.Patch, path, """{"description": "hijacked"}"""),
            await SendAsync(bobClient, HttpMethod.Delete, path),
            await SendAsync(bobClient, HttpMethod.Get, $"/api/action-items/action-{item.Id}"),
            await SendAsync(bobClient, HttpMethod.Get, "/api/action-items/stats"),
        };
        var bobList = await JsonAsync(bobClient, "/api/action-items");
        var adminView = await JsonAsync(adminClient, path);

        Assert.Equal(404, missing.Status);
        Assert.Equal("No such action item.", missing.Body.GetProperty("detail").GetString());
        Assert.All(answers, a => Assert.Equal((404, missing.Body.GetRawText()), (a.Status, a.Body.GetRawText())));
        Assert.Equal(0, bobList.GetProperty("count").GetInt32());
        Assert.Equal(ann.Id, adminView.GetProperty("user_id").GetString());
        var stored = await seed.ActionItems.FindAsync(item.Id, default);
        Assert.Equal(("Buy oat milk", "open"), (stored!.Description, stored.Status));
    }

    [Fact]
    public async Task Delete_OwnItem_AnswersFriendLitesMessage_ThenItIsGoneFromListAndSearch()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        var item = await new MemorySeed(server).ActionItemAsync(ann.Id, "Buy oat milk");
        using var client = server.ClientWithToken(token);

        var (status, body) = await SendAsync(client, HttpMethod.Delete, $"/api/action-items/action-{item.Id}");
        var again = await SendAsync(client, HttpMethod.Delete, $"/api/action-items/{item.Id}");

        Assert.Equal(200, status);
        Assert.Equal(("Action item deleted successfully", $"{item.Id}"), (body.GetProperty("message").GetString(), body.GetProperty("action_item_id").GetString()));
        Assert.Equal(404, again.Status);
        Assert.Equal(0, (await JsonAsync(client, "/api/action-items")).GetProperty("count").GetInt32());
        Assert.Equal(0, (await JsonAsync(client, "/api/memories/search?query=oat")).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task ActionItemRoutes_WithoutAToken_Are401()
    {
        await using var server = await TestServer.StartAsync();

        var list = await SendAsync(server.Client, HttpMethod.Get, "/api/action-items");
        var create = await SendAsync(server.Client, HttpMethod.Post, "/api/action-items", """{"description": "x"}""");
        var memories = await SendAsync(server.Client, HttpMethod.Get, "/api/memories/search?query=x");

        Assert.Equal((401, 401, 401), (list.Status, create.Status, memories.Status));
    }
}
