using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Tests.Http;

/// <summary>Deleting a conversation and doing its transcription or extraction again, per user.</summary>
public sealed class ConversationManageApiTests
{
    [Fact]
    public async Task Delete_OwnConversation_RemovesRowsFileAndJobs_AndASecondDeleteChangesNothing()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { Engine = () => new UnloadedEngine("test: jobs stay pending") });
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        var doomed = await ConversationSeed.ThreeUtterancesAsync(server, ann.Id);
        var kept = await ConversationSeed.ThreeUtterancesAsync(server, ann.Id);
        foreach (var conversation in new[] { doomed, kept })
        {
            await AddContentAsync(server, conversation);
        }

        using var client = server.ClientWithToken(token);
        using var first = await client.DeleteAsync($"/api/conversations/{doomed.Id}");
        using var second = await client.DeleteAsync($"/api/conversations/{doomed.Id}");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using var deleted = JsonDocument.Parse(await first.Content.ReadAsStringAsync());
        Assert.True(deleted.RootElement.GetProperty("deleted").GetBoolean());
        Assert.True(deleted.RootElement.GetProperty("audio_deleted").GetBoolean());
        Assert.Equal((1, 1, 1, 2), (deleted.RootElement.GetProperty("transcript_segments").GetInt32(), deleted.RootElement.GetProperty("memories").GetInt32(),
            deleted.RootElement.GetProperty("action_items").GetInt32(), deleted.RootElement.GetProperty("jobs").GetInt32()));
        Assert.Null(await new ConversationStore(server.Server.Database).FindAsync(doomed.Id, default));
        Assert.False(File.Exists(doomed.AudioPath));
        Assert.Empty(await new TranscriptStore(server.Server.Database).ListAsync(doomed.Id, default));
        Assert.Empty(await new MemoryStore(server.Server.Database, TimeProvider.System).ListByConversationAsync(doomed.Id, default));
        Assert.Empty(await new ActionItemStore(server.Server.Database, TimeProvider.System).ListByConversationAsync(doomed.Id, default));
        Assert.Empty(await ConversationSeed.JobsOfAsync(server, doomed.Id));
        Assert.Equal(kept.Id, Assert.Single(await new MemoryStore(server.Server.Database, TimeProvider.System).SearchAsync(ann.Id, "doomed", 10, default)).Memory.ConversationId);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        using var again = JsonDocument.Parse(await second.Content.ReadAsStringAsync());
        Assert.False(again.RootElement.GetProperty("deleted").GetBoolean());
        Assert.Equal(0, again.RootElement.GetProperty("jobs").GetInt32());

        Assert.NotNull(await new ConversationStore(server.Server.Database).FindAsync(kept.Id, default));
        Assert.True(File.Exists(kept.AudioPath));
        Assert.Equal(2, (await ConversationSeed.JobsOfAsync(server, kept.Id)).Count);
        Assert.Single(await new MemoryStore(server.Server.Database, TimeProvider.System).ListByConversationAsync(kept.Id, default));
    }

    [Fact]
    public async Task Delete_AnotherUsersConversation_AnswersAsForAMissingOne_AndDeletesNothing()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, _) = await server.CreateUserAsync("ann@example.com");
        var (_, bobToken) = await server.CreateUserAsync("bob@example.com");
        var (_, adminToken) = await server.CreateUserAsync("root@example.com", admin: true);
        var conversation = await ConversationSeed.ThreeUtterancesAsync(server, ann.Id);
        using var bob = server.ClientWithToken(bobToken);
        using var admin = server.ClientWithToken(adminToken);

        using var theirs = await bob.DeleteAsync($"/api/conversations/{conversation.Id}");
        using var missing = await bob.DeleteAsync("/api/conversations/0123456789abcdef");
        var stillThere = await new ConversationStore(server.Server.Database).FindAsync(conversation.Id, default);
        var fileStillThere = File.Exists(conversation.AudioPath);
        using var byAdmin = await admin.DeleteAsync($"/api/conversations/{conversation.Id}");

        Assert.Equal(HttpStatusCode.OK, theirs.StatusCode);
        Assert.Equal(
            (await missing.Content.ReadAsStringAsync()).Replace("0123456789abcdef", conversation.Id, StringComparison.Ordinal),
            await theirs.Content.ReadAsStringAsync());
        Assert.NotNull(stillThere);
        Assert.True(fileStillThere);
        Assert.True((await byAdmin.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("deleted").GetBoolean());
        Assert.False(File.Exists(conversation.AudioPath));
    }

    [Fact]
    public async Task Delete_ConversationStillRecorded_Is409SayingToCloseItFirst()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        var open = await ConversationSeed.ThreeUtterancesAsync(server, ann.Id, open: true);
        using var client = server.ClientWithToken(token);

        using var response = await client.DeleteAsync($"/api/conversations/{open.Id}");
        using var reprocess = await client.PostAsync($"/api/conversations/{open.Id}/reprocess", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("close it first (POST /api/conversations/seeded-pendant/close)", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, reprocess.StatusCode);
        Assert.NotNull(await new ConversationStore(server.Server.Database).FindAsync(open.Id, default));
        Assert.True(File.Exists(open.AudioPath));
    }

    [Fact]
    public async Task Reprocess_ClosedConversation_ReplacesItsTranscriptThroughNewJobs_AndQueuesAnExtractionAfterThem()
    {
        var engine = ScriptedEngine.ForConversation3Utt();
        await using var server = await TestServer.StartAsync(configure: o => o with { Engine = () => engine });
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        var conversation = await ConversationSeed.ThreeUtterancesAsync(server, ann.Id);
        var transcripts = new TranscriptStore(server.Server.Database);
        await transcripts.AddAsync(conversation.Id, 0.5, 4.0, "stale words", "speaker_x", "old", "old", default);
        var failed = await server.Server.Jobs.EnqueueAsync(TranscriptionScheduler.JobKind, Segment(conversation, 100, 200), default);
        await server.Server.Jobs.GiveUpAsync(failed, "test: failed long ago", default);
        using var client = server.ClientWithToken(token);

        using var response = await client.PostAsJsonAsync($"/api/conversations/{conversation.Id}/reprocess", new { transcription = true, extraction = true });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var queued = body.RootElement.GetProperty("transcription_jobs").EnumerateArray().Select(j => j.GetInt64()).ToList();
        Assert.Equal(3, queued.Count);
        Assert.Equal(1, body.RootElement.GetProperty("transcript_segments_removed").GetInt32());
        var texts = await ConversationSeed.UntilAsync(async () => (await transcripts.ListAsync(conversation.Id, default)).Select(t => t.Text).ToList(),
            t => t.Count == 3, "the three segments transcribed again");
        Assert.Equal(ScriptedEngine.Conversation3UttSentences, texts);
        var jobs = await ConversationSeed.JobsOfAsync(server, conversation.Id);
        Assert.DoesNotContain(jobs, j => j.State == "failed"); // the old failed job went with the old transcript (its id may be reused: SQLite hands out max + 1)
        Assert.Equal(queued.Order(), jobs.Where(j => j.Kind == TranscriptionScheduler.JobKind).Select(j => j.Id).Order());
        Assert.Single(jobs, j => j.Kind == ConversationStore.ExtractJobKind && j.Id > queued.Max() && j.State != "cancelled");
    }

    [Fact]
    public async Task Reprocess_ExtractionOnly_QueuesItAndKeepsTheTranscript()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { Engine = () => new UnloadedEngine("test") });
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        var conversation = await ConversationSeed.ThreeUtterancesAsync(server, ann.Id);
        await new TranscriptStore(server.Server.Database).AddAsync(conversation.Id, 0.5, 4.0, "kept words", "speaker_x", "old", "old", default);
        using var client = server.ClientWithToken(token);

        using var response = await client.PostAsync($"/api/conversations/{conversation.Id}/reprocess?transcription=false", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("kept words", Assert.Single(await new TranscriptStore(server.Server.Database).ListAsync(conversation.Id, default)).Text);
        var jobs = await ConversationSeed.JobsOfAsync(server, conversation.Id);
        Assert.Single(jobs, j => j.Kind == ConversationStore.ExtractJobKind);
        Assert.DoesNotContain(jobs, j => j.Kind == TranscriptionScheduler.JobKind);
    }

    [Fact]
    public async Task Reprocess_WhileATranscriptionJobRuns_Is409AndChangesNothing()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { Engine = () => new UnloadedEngine("test") });
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        var conversation = await ConversationSeed.ThreeUtterancesAsync(server, ann.Id);
        var running = await server.Server.Jobs.EnqueueAsync(TranscriptionScheduler.JobKind, Segment(conversation, 0, 16000), default);
        Assert.Equal(running, (await server.Server.Jobs.ClaimAsync(TranscriptionScheduler.JobKind, default))!.Id);
        using var client = server.ClientWithToken(token);

        using var response = await client.PostAsync($"/api/conversations/{conversation.Id}/reprocess", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("being transcribed right now", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(running, Assert.Single(await ConversationSeed.JobsOfAsync(server, conversation.Id)).Id);
    }

    [Fact]
    public async Task Reprocess_AnotherUsersConversation_Is404AndQueuesNothing_AndBadInputIs400()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { Engine = () => new UnloadedEngine("test") });
        var (ann, annToken) = await server.CreateUserAsync("ann@example.com");
        var (_, bobToken) = await server.CreateUserAsync("bob@example.com");
        var conversation = await ConversationSeed.ThreeUtterancesAsync(server, ann.Id);
        var before = (await ConversationSeed.JobsOfAsync(server, conversation.Id)).Count;
        using var bob = server.ClientWithToken(bobToken);
        using var ann2 = server.ClientWithToken(annToken);

        using var theirs = await bob.PostAsync($"/api/conversations/{conversation.Id}/reprocess", null);
        using var nothing = await ann2.PostAsync($"/api/conversations/{conversation.Id}/reprocess?transcription=false&extraction=no", null);
        using var unknown = await ann2.PostAsJsonAsync($"/api/conversations/{conversation.Id}/reprocess", new { transcribe = true });

        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, nothing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("unknown field 'transcribe'", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, (await ConversationSeed.JobsOfAsync(server, conversation.Id)).Count);
    }

    private static string Segment(ConversationRow conversation, long start, long end) =>
        new TranscriptionRequest(conversation.Id, conversation.AudioPath!, start, end, "speaker_x").ToJobPayload();

    /// <summary>One transcript row, one memory, one action item and two transcription jobs (pending, failed).</summary>
    private static async Task AddContentAsync(TestServer server, ConversationRow conversation)
    {
        await new TranscriptStore(server.Server.Database).AddAsync(conversation.Id, 0.5, 4.0, "remind me", "speaker_x", "test", "test", default);
        await new MemoryStore(server.Server.Database, TimeProvider.System).AddAsync(conversation.UserId, conversation.Id, $"doomed memory {conversation.Id}", "local", [], default);
        await new ActionItemStore(server.Server.Database, TimeProvider.System).AddAsync(conversation.UserId, conversation.Id,
            new NewActionItem("call the dentist", null, null, null, null, "local", []), default);
        await server.Server.Jobs.EnqueueAsync(TranscriptionScheduler.JobKind, Segment(conversation, 0, 16000), default);
        var failed = await server.Server.Jobs.EnqueueAsync(TranscriptionScheduler.JobKind, Segment(conversation, 16000, 32000), default);
        await server.Server.Jobs.GiveUpAsync(failed, "test: failed", default);
    }
}
