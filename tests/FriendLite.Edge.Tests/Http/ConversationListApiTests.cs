using System.Net;
using System.Text.Json;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Http;

/// <summary>What extraction made of a conversation, in its lists and its own page; the flat list the web page pages through.</summary>
public sealed class ConversationListApiTests
{
    [Fact]
    public async Task Get_ExtractedConversation_ShowsTitleSummaryMemoriesAndActionItems_InBothShapes()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        var conversation = await ConversationSeed.ThreeUtterancesAsync(server, ann.Id);
        var friday = new DateTimeOffset(2030, 5, 10, 10, 0, 0, TimeSpan.FromHours(2));
        await new MemoryStore(server.Server.Database, TimeProvider.System).SaveExtractionAsync(new ExtractionWrite(conversation.Id, ann.Id, "Dentist and groceries",
            "Ann plans a dentist call and shopping.", [new NewMemory("The glass furnace runs at 2000 degrees", [])], [], [],
            [new NewActionItem("Call the dentist", friday, null, null, null, "local", [])], "local"), default);
        var bare = await ConversationSeed.ThreeUtterancesAsync(server, ann.Id);
        using var client = server.ClientWithToken(token);

        using var one = JsonDocument.Parse(await client.GetStringAsync($"/api/conversations/{conversation.Id}"));
        using var grouped = JsonDocument.Parse(await client.GetStringAsync("/api/conversations"));
        using var plain = JsonDocument.Parse(await client.GetStringAsync($"/api/conversations/{bare.Id}"));

        var root = one.RootElement;
        Assert.Equal("Dentist and groceries", root.GetProperty("title").GetString());
        Assert.Equal("Ann plans a dentist call and shopping.", root.GetProperty("summary").GetString());
        Assert.Equal(["The glass furnace runs at 2000 degrees"], root.GetProperty("memories").EnumerateArray().Select(m => m.GetString()));
        Assert.True(root.GetProperty("has_memory").GetBoolean());
        var memory = Assert.Single(root.GetProperty("memory_items").EnumerateArray());
        Assert.Equal(JsonValueKind.String, memory.GetProperty("id").ValueKind);
        Assert.Equal("The glass furnace runs at 2000 degrees", memory.GetProperty("memory").GetString());
        var item = Assert.Single(root.GetProperty("action_items").EnumerateArray());
        Assert.Equal(JsonValueKind.String, item.GetProperty("id").ValueKind);
        Assert.Equal(("Call the dentist", "2030-05-10T10:00:00+02:00", "open"),
            (item.GetProperty("description").GetString(), item.GetProperty("due_date").GetString(), item.GetProperty("status").GetString()));

        var listed = grouped.RootElement.GetProperty("conversations").GetProperty("seeded-pendant").EnumerateArray().Single(c => c.GetProperty("audio_uuid").GetString() == conversation.Id);
        Assert.Equal("Dentist and groceries", listed.GetProperty("title").GetString());
        Assert.True(listed.GetProperty("has_memory").GetBoolean());
        Assert.False(listed.TryGetProperty("action_items", out _));

        Assert.Equal(JsonValueKind.Null, plain.RootElement.GetProperty("title").ValueKind);
        Assert.False(plain.RootElement.GetProperty("has_memory").GetBoolean());
        Assert.Empty(plain.RootElement.GetProperty("memory_items").EnumerateArray());
        Assert.Empty(plain.RootElement.GetProperty("action_items").EnumerateArray());
    }

    [Fact]
    public async Task ListFlat_PagesNewestFirstByOffsetOrCursor_PerUser()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        var (bob, bobToken) = await server.CreateUserAsync("bob@example.com");
        var (_, adminToken) = await server.CreateUserAsync("root@example.com", admin: true);
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        var anns = new List<ConversationRow>();
        for (var i = 0; i < 5; i++)
        {
            anns.Add(await ConversationSeed.AddAsync(server, ann.Id, new short[16000 * (i + 1)], started: start.AddMinutes(i)));
        }

        var bobs = await ConversationSeed.AddAsync(server, bob.Id, new short[16000], started: start.AddMinutes(10));
        await new TranscriptStore(server.Server.Database).AddAsync(anns[4].Id, 0, 1, "hello", null, "test", "test", default);
        using var annClient = server.ClientWithToken(annToken);
        using var bobClient = server.ClientWithToken(bobToken);
        using var admin = server.ClientWithToken(adminToken);

        using var first = JsonDocument.Parse(await annClient.GetStringAsync("/api/conversations?flat=true&limit=2"));
        using var second = JsonDocument.Parse(await annClient.GetStringAsync("/api/conversations?flat=True&limit=2&offset=2"));
        using var cursor = JsonDocument.Parse(await annClient.GetStringAsync($"/api/conversations?flat=1&limit=10&before={anns[2].Id}"));
        using var bobsPage = JsonDocument.Parse(await bobClient.GetStringAsync("/api/conversations?flat=true"));
        using var everyone = JsonDocument.Parse(await admin.GetStringAsync("/api/conversations?flat=true"));
        using var foreignCursor = await bobClient.GetAsync($"/api/conversations?flat=true&before={anns[2].Id}");
        using var badFlat = await annClient.GetAsync("/api/conversations?flat=maybe");

        Assert.Equal([anns[4].Id, anns[3].Id], Ids(first));
        Assert.Equal((2, 5), (first.RootElement.GetProperty("count").GetInt32(), first.RootElement.GetProperty("total").GetInt32()));
        var newest = first.RootElement.GetProperty("conversations")[0];
        Assert.Equal(5.0, newest.GetProperty("duration_seconds").GetDouble());
        Assert.Equal(1, newest.GetProperty("transcript_segments").GetInt32());
        Assert.Equal($"/audio/{anns[4].Id}.wav", newest.GetProperty("audio_url").GetString());
        Assert.Equal(("closed", "seeded-pendant"), (newest.GetProperty("state").GetString(), newest.GetProperty("client_id").GetString()));
        Assert.Equal(start.AddMinutes(4).ToUnixTimeMilliseconds(), newest.GetProperty("created_at").GetDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.Equal([anns[2].Id, anns[1].Id], Ids(second));
        Assert.Equal([anns[1].Id, anns[0].Id], Ids(cursor));
        Assert.Equal([bobs.Id], Ids(bobsPage));
        Assert.Equal(6, everyone.RootElement.GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, foreignCursor.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badFlat.StatusCode);
    }

    [Fact]
    public async Task ListFlat_Preview_IsTheTranscriptsFirstWords_CutAtAWord()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        var silent = await ConversationSeed.AddAsync(server, ann.Id, new short[16000], started: start);
        var shortOne = await ConversationSeed.AddAsync(server, ann.Id, new short[16000], started: start.AddMinutes(1));
        var longOne = await ConversationSeed.AddAsync(server, ann.Id, new short[16000], started: start.AddMinutes(2));
        var transcripts = new TranscriptStore(server.Server.Database);
        // Stored out of order: the preview follows the segments' times, not their insertion.
        await transcripts.AddAsync(shortOne.Id, 2, 3, "  the groceries. ", null, "test", "test", default);
        await transcripts.AddAsync(shortOne.Id, 0, 1, "Remind me to buy", null, "test", "test", default);
        for (var i = 0; i < 60; i++)
        {
            await transcripts.AddAsync(longOne.Id, i, i + 1, $"sentence number {i} about the furnace.", null, "test", "test", default);
        }

        using var client = server.ClientWithToken(token);

        using var page = JsonDocument.Parse(await client.GetStringAsync("/api/conversations?flat=true"));

        var previews = page.RootElement.GetProperty("conversations").EnumerateArray()
            .ToDictionary(c => c.GetProperty("conversation_id").GetString()!, c => c.GetProperty("preview"));
        Assert.Equal(JsonValueKind.Null, previews[silent.Id].ValueKind);
        Assert.Equal("Remind me to buy the groceries.", previews[shortOne.Id].GetString());
        var cut = previews[longOne.Id].GetString()!;
        Assert.StartsWith("sentence number 0 about the furnace. sentence number 1 about", cut, StringComparison.Ordinal);
        Assert.EndsWith("…", cut, StringComparison.Ordinal);
        Assert.InRange(cut.Length, 100, 141);
        // Cut at a word: what precedes the ellipsis is a whole word of the transcript.
        Assert.Matches(@"(sentence|number|\d+|about|the|furnace\.)…$", cut);
    }

    private static List<string?> Ids(JsonDocument page) =>
        [.. page.RootElement.GetProperty("conversations").EnumerateArray().Select(c => c.GetProperty("conversation_id").GetString())];
}
