using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;
using static FriendLite.Edge.Tests.Support.MemorySeed;

namespace FriendLite.Edge.Tests.Http;

/// <summary>Memories read, added and deleted in Friend-Lite's shapes, each user seeing only their own.</summary>
public sealed class MemoryApiTests
{
    [Fact]
    public async Task List_ShowsOwnMemoriesNewestFirstInFriendLitesShape_PagedByLimitAndOffset()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        var (bob, _) = await server.CreateUserAsync("bob@example.com");
        var seed = new MemorySeed(server);
        var rows = new List<MemoryRow>();
        for (var i = 1; i <= 5; i++)
        {
            rows.Add(await seed.MemoryAsync(ann.Id, $"Ann fact number {i}"));
        }

        await seed.MemoryAsync(bob.Id, "Bob keeps bees");
        using var client = server.ClientWithToken(annToken);

        var first = await JsonAsync(client, "/api/memories?limit=2");
        var last = await JsonAsync(client, "/api/memories?limit=2&offset=4");
        var all = await JsonAsync(client, "/api/memories");
        var (badLimit, badLimitBody) = await SendAsync(client, HttpMethod.Get, "/api/memories?limit=0");
        var (badOffset, _) = await SendAsync(client, HttpMethod.Get, "/api/memories?offset=-1");

        Assert.Equal((2, 5, ann.Id), (first.GetProperty("count").GetInt32(), first.GetProperty("total_count").GetInt32(), first.GetProperty("user_id").GetString()));
        var newest = first.GetProperty("memories")[0];
        Assert.Equal(rows[4].Id.ToString(System.Globalization.CultureInfo.InvariantCulture), newest.GetProperty("id").GetString());
        Assert.Equal("Ann fact number 5", newest.GetProperty("memory").GetString());
        Assert.Equal(JsonValueKind.Null, newest.GetProperty("score").ValueKind);
        Assert.Equal(rows[4].CreatedAt, newest.GetProperty("created_at").GetDateTimeOffset());
        var metadata = newest.GetProperty("metadata");
        Assert.Equal(("memory", "local"), (metadata.GetProperty("kind").GetString(), metadata.GetProperty("source").GetString()));
        Assert.Equal(JsonValueKind.Array, metadata.GetProperty("segments").ValueKind);
        Assert.Equal("Ann fact number 1", Assert.Single(last.GetProperty("memories").EnumerateArray()).GetProperty("memory").GetString());
        Assert.DoesNotContain(all.GetProperty("memories").EnumerateArray(), m => m.GetProperty("memory").GetString() == "Bob keeps bees");
        Assert.Equal(5, all.GetProperty("count").GetInt32());
        Assert.Equal(422, badLimit);
        Assert.Contains("limit must be a whole number from 1 to 1000", badLimitBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(422, badOffset);
    }

    [Fact]
    public async Task Create_AddsAUserMemory_AndRefusesEmptyOrOversizedContentWithASentence()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        using var client = server.ClientWithToken(annToken);

        using var created = await client.PostAsJsonAsync("/api/memories", new { content = "  My locker code is 4711  " });
        var (empty, emptyBody) = await SendAsync(client, HttpMethod.Post, "/api/memories", "{\"content\": \"   \"}");
        var (missing, _) = await SendAsync(client, HttpMethod.Post, "/api/memories", "{}");
        var (huge, hugeBody) = await SendAsync(client, HttpMethod.Post, "/api/memories", JsonSerializer.Serialize(new { content = new string('a', 2001) }));
        var (unknown, _) = await SendAsync(client, HttpMethod.Post, "/api/memories", "{\"text\": \"hi\"}");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        Assert.Equal("My locker code is 4711", body.RootElement.GetProperty("memory").GetString());
        Assert.Equal("user", body.RootElement.GetProperty("metadata").GetProperty("source").GetString());
        Assert.Equal(ann.Id, body.RootElement.GetProperty("user_id").GetString());
        var listed = await JsonAsync(client, "/api/memories");
        Assert.Equal(body.RootElement.GetProperty("id").GetString(), listed.GetProperty("memories")[0].GetProperty("id").GetString());
        Assert.Equal(422, empty);
        Assert.Contains("content is required", emptyBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(422, missing);
        Assert.Equal(422, huge);
        Assert.Contains("at most 2000", hugeBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(400, unknown);
        Assert.Equal(1, listed.GetProperty("total_count").GetInt32());
    }

    [Fact]
    public async Task GetAndDelete_AnotherUsersMemory_AnswerExactlyLikeAMissingOne_TheOwnerAndAdminReachIt()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        var (_, bobToken) = await server.CreateUserAsync("bob@example.com");
        var (_, adminToken) = await server.CreateUserAsync("root@example.com", admin: true);
        var seed = new MemorySeed(server);
        var memory = await seed.MemoryAsync(ann.Id, "Ann's dentist is Dr. Alvarez");
        using var annClient = server.ClientWithToken(annToken);
        using var bobClient = server.ClientWithToken(bobToken);
        using var adminClient = server.ClientWithToken(adminToken);
        var path = $"/api/memories/{memory.Id}";

        var bobGet = await SendAsync(bobClient, HttpMethod.Get, path);
        var bobDelete = await SendAsync(bobClient, HttpMethod.Delete, path);
        var missing = await SendAsync(bobClient, HttpMethod.Get, "/api/memories/987654");
        var word = await SendAsync(bobClient, HttpMethod.Get, "/api/memories/not-a-number");
        var huge = await SendAsync(bobClient, HttpMethod.Delete, "/api/memories/99999999999999999999999");
        var own = await JsonAsync(annClient, path);
        var admin = await JsonAsync(adminClient, path);
        var deleted = await SendAsync(annClient, HttpMethod.Delete, path);
        var after = await SendAsync(annClient, HttpMethod.Get, path);

        foreach (var answer in new[] { bobGet, bobDelete, word, huge, after })
        {
            Assert.Equal((missing.Status, missing.Body.GetRawText()), (answer.Status, answer.Body.GetRawText()));
        }

        Assert.Equal(404, missing.Status);
        Assert.Equal("No such memory.", missing.Body.GetProperty("detail").GetString());
        Assert.Equal("Ann's dentist is Dr. Alvarez", own.GetProperty("memory").GetString());
        Assert.Equal(ann.Id, admin.GetProperty("user_id").GetString());
        Assert.Equal(200, deleted.Status);
        Assert.Equal($"Memory {memory.Id} deleted successfully", deleted.Body.GetProperty("message").GetString());
        Assert.Null(await seed.Memories.FindAsync(memory.Id, default));
    }

    [Fact]
    public async Task ActionItemSearchId_OnMemoryRoutes_Is404PointingToTheActionItemRoute()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        var item = await new MemorySeed(server).ActionItemAsync(ann.Id, "buy oat milk");
        using var client = server.ClientWithToken(annToken);

        var get = await SendAsync(client, HttpMethod.Get, $"/api/memories/action-{item.Id}");
        var delete = await SendAsync(client, HttpMethod.Delete, $"/api/memories/action-{item.Id}");

        Assert.Equal(404, get.Status);
        Assert.Equal($"'action-{item.Id}' is an action item, not a memory: use /api/action-items/{item.Id}.", get.Body.GetProperty("detail").GetString());
        Assert.Equal((404, get.Body.GetRawText()), (delete.Status, delete.Body.GetRawText()));
        Assert.NotNull(await new MemorySeed(server).ActionItems.FindAsync(item.Id, default));
    }

    [Fact]
    public async Task WithTranscripts_GivesEachMemoryItsConversationsTranscriptAndTitle_OnlyForItsOwner()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        var (_, bobToken) = await server.CreateUserAsync("bob@example.com");
        var seed = new MemorySeed(server);
        var (conversation, segments) = await seed.ConversationAsync(ann.Id, "I need to call the dentist.", "My sister Maria lives in Lisbon.");
        await seed.Memories.SaveExtractionAsync(new ExtractionWrite(conversation, ann.Id, "Dentist and Maria", "Ann plans a dentist call.",
            [new NewMemory("Ann's sister Maria lives in Lisbon", [segments[1]])], [], [], [], "local"), default);
        await seed.MemoryAsync(ann.Id, "Ann likes jazz", source: "user");
        using var annClient = server.ClientWithToken(annToken);
        using var bobClient = server.ClientWithToken(bobToken);

        var body = await JsonAsync(annClient, "/api/memories/with-transcripts");
        var bobs = await JsonAsync(bobClient, "/api/memories/with-transcripts");

        Assert.Equal((2, 2, ann.Id), (body.GetProperty("count").GetInt32(), body.GetProperty("total_count").GetInt32(), body.GetProperty("user_id").GetString()));
        var fromConversation = body.GetProperty("memories").EnumerateArray().Single(m => m.GetProperty("memory").GetString()!.Contains("Lisbon", StringComparison.Ordinal));
        const string transcript = "I need to call the dentist. My sister Maria lives in Lisbon.";
        Assert.Equal(transcript, fromConversation.GetProperty("transcript").GetString());
        Assert.Equal(conversation, fromConversation.GetProperty("source_id").GetString());
        Assert.Equal(fromConversation.GetProperty("id").GetString(), fromConversation.GetProperty("memory_id").GetString());
        Assert.Equal("Ann's sister Maria lives in Lisbon", fromConversation.GetProperty("memory_text").GetString());
        Assert.Equal("ann@example.com", fromConversation.GetProperty("user_email").GetString());
        Assert.Equal("abc123-pendant", fromConversation.GetProperty("client_id").GetString());
        Assert.Equal(transcript.Length, fromConversation.GetProperty("transcript_length").GetInt32());
        Assert.Equal(Math.Round(100.0 * "Ann's sister Maria lives in Lisbon".Length / transcript.Length, 1), fromConversation.GetProperty("compression_ratio").GetDouble());
        Assert.Equal("Dentist and Maria", fromConversation.GetProperty("conversation").GetProperty("title").GetString());
        Assert.Equal([segments[1]], fromConversation.GetProperty("metadata").GetProperty("segments").EnumerateArray().Select(s => s.GetInt64()));
        var added = body.GetProperty("memories").EnumerateArray().Single(m => m.GetProperty("memory").GetString() == "Ann likes jazz");
        Assert.Equal(JsonValueKind.Null, added.GetProperty("transcript").ValueKind);
        Assert.Equal(JsonValueKind.Null, added.GetProperty("conversation").ValueKind);
        Assert.Equal(0, bobs.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Unfiltered_IsTheSameListAsFriendLitesWithItsFlag_OwnMemoriesOnly()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        var (bob, _) = await server.CreateUserAsync("bob@example.com");
        await new MemorySeed(server).MemoryAsync(ann.Id, "Ann likes jazz");
        await new MemorySeed(server).MemoryAsync(bob.Id, "Bob keeps bees");
        using var client = server.ClientWithToken(annToken);

        var list = await JsonAsync(client, "/api/memories");
        var unfiltered = await JsonAsync(client, "/api/memories/unfiltered");

        Assert.True(unfiltered.GetProperty("includes_fallback").GetBoolean());
        Assert.False(list.TryGetProperty("includes_fallback", out _));
        Assert.Equal(list.GetProperty("memories").GetRawText(), unfiltered.GetProperty("memories").GetRawText());
        Assert.Equal("Ann likes jazz", Assert.Single(unfiltered.GetProperty("memories").EnumerateArray()).GetProperty("memory").GetString());
    }

    [Fact]
    public async Task Admin_SeesEveryUsersMemoriesGroupedByUser_PlainUsersGet403_AndMayNameAUserOnTheList()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        var (bob, _) = await server.CreateUserAsync("bob@example.com");
        var (_, adminToken) = await server.CreateUserAsync("root@example.com", admin: true);
        var seed = new MemorySeed(server);
        await seed.MemoryAsync(ann.Id, "Ann likes jazz");
        await seed.MemoryAsync(ann.Id, "Ann plays chess");
        await seed.MemoryAsync(bob.Id, "Bob keeps bees");
        using var annClient = server.ClientWithToken(annToken);
        using var adminClient = server.ClientWithToken(adminToken);

        var refused = await SendAsync(annClient, HttpMethod.Get, "/api/memories/admin");
        var body = await JsonAsync(adminClient, "/api/memories/admin");
        var bobsList = await JsonAsync(adminClient, $"/api/memories?user_id={bob.Id}");
        var annNamingBob = await JsonAsync(annClient, $"/api/memories?user_id={bob.Id}");

        Assert.Equal(403, refused.Status);
        Assert.Equal((3, 2, 200), (body.GetProperty("total_memories").GetInt32(), body.GetProperty("total_users").GetInt32(), body.GetProperty("limit").GetInt32()));
        Assert.Equal(2, body.GetProperty("user_memories").GetProperty(ann.Id).GetArrayLength());
        Assert.Equal("Bob keeps bees", body.GetProperty("user_memories").GetProperty(bob.Id)[0].GetProperty("memory").GetString());
        Assert.Contains(body.GetProperty("memories").EnumerateArray(), m => m.GetProperty("owner_email").GetString() == "bob@example.com");
        Assert.Equal(new[] { ann.Id, bob.Id }.Order(StringComparer.Ordinal), body.GetProperty("stats").GetProperty("users_with_memories").EnumerateArray().Select(u => u.GetString()));
        Assert.Equal((bob.Id, 1), (bobsList.GetProperty("user_id").GetString(), bobsList.GetProperty("count").GetInt32()));
        // A plain user's user_id is ignored, as Friend-Lite ignored it: the answer says whose list it is.
        Assert.Equal((ann.Id, 2), (annNamingBob.GetProperty("user_id").GetString(), annNamingBob.GetProperty("count").GetInt32()));
    }
}
