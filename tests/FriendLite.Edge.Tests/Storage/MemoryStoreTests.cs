using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;
using Microsoft.Data.Sqlite;

namespace FriendLite.Edge.Tests.Storage;

public sealed class MemoryStoreTests
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 2, 9, 15, 0, TimeSpan.Zero);

    private sealed class Store : IDisposable
    {
        private readonly TempDirectory _dir = new();

        public Store()
        {
            Database = Database.Open(_dir.Path);
            Memories = new MemoryStore(Database, TimeProvider.System);
            Items = new ActionItemStore(Database, TimeProvider.System);
            Conversations = new ConversationStore(Database);
            Jobs = new JobStore(Database, TimeProvider.System);
        }

        public Database Database { get; }

        public MemoryStore Memories { get; }

        public ActionItemStore Items { get; }

        public ConversationStore Conversations { get; }

        public JobStore Jobs { get; }

        public async Task<string> UserAsync(string email)
        {
            var users = new UserStore(Database);
            var user = await users.CreateAsync(email, null, "hash", false, default);
            return user!.Id;
        }

        public async Task<string> ConversationAsync(string userId)
        {
            var id = Guid.NewGuid().ToString("N");
            await Conversations.CreateAsync(new ConversationRow(id, userId, "dev", s_start, null, null, 16000, 0, "open"), default);
            return id;
        }

        public void Dispose()
        {
            SqliteConnection.ClearAllPools();
            _dir.Dispose();
        }
    }

    [Fact]
    public async Task Search_FindsStemmedWords_BestFirst_OnlyTheUsersOwn()
    {
        using var store = new Store();
        var ann = await store.UserAsync("ann@example.com");
        var bob = await store.UserAsync("bob@example.com");
        await store.Memories.AddAsync(ann, null, "Ann calls her dentist every spring", "user", [], default);
        await store.Memories.AddAsync(ann, null, "Ann drinks oat milk with coffee", "user", [], default);
        await store.Memories.AddAsync(ann, null, "Milk goes off in three days", "user", [], default);
        await store.Memories.AddAsync(bob, null, "Bob buys oat milk", "user", [], default);

        var calling = await store.Memories.SearchAsync(ann, "calling the dentists", 10, default);
        var oatMilk = await store.Memories.SearchAsync(ann, "oat milk", 10, default);

        Assert.Equal("Ann calls her dentist every spring", Assert.Single(calling).Memory.Text);
        Assert.Equal(["Ann drinks oat milk with coffee", "Milk goes off in three days"], oatMilk.Select(r => r.Memory.Text));
        Assert.True(oatMilk[0].Score > oatMilk[1].Score && oatMilk[0].Score < 1 && oatMilk[1].Score > 0);
    }

    [Fact]
    public async Task Search_CommonWordsDoNotMatchOnTheirOwn_UnlessTheQueryHasNothingElse()
    {
        using var store = new Store();
        var ann = await store.UserAsync("ann@example.com");
        await store.Memories.AddAsync(ann, null, "My sister lives in Lyon", "user", [], default);
        await store.Memories.AddAsync(ann, null, "The kiln is in the garage", "user", [], default);

        var lyon = await store.Memories.SearchAsync(ann, "who lives in Lyon?", 10, default);
        var onlyCommon = await store.Memories.SearchAsync(ann, "in the", 10, default);

        Assert.Equal("My sister lives in Lyon", Assert.Single(lyon).Memory.Text);
        Assert.True(lyon[0].Score >= 0.8, $"both words of the query matched, yet the score is {lyon[0].Score}");
        Assert.Equal(2, onlyCommon.Count);
    }

    [Theory]
    [InlineData("\"unbalanced")]
    [InlineData("tea AND NOT coffee")]
    [InlineData("text:tea")]
    [InlineData("te* NEAR(a b)")]
    [InlineData("( ) ^ - + :")]
    [InlineData("")]
    public async Task Search_QuerySyntax_IsPlainText(string query)
    {
        using var store = new Store();
        var ann = await store.UserAsync("ann@example.com");
        await store.Memories.AddAsync(ann, null, "I like tea", "user", [], default);

        var results = await store.Memories.SearchAsync(ann, query, 10, default);
        var items = await store.Items.SearchAsync(ann, query, 10, default);

        Assert.Equal(query.Contains("tea", StringComparison.Ordinal) ? 1 : 0, results.Count);
        Assert.Empty(items);
    }

    [Fact]
    public async Task ActionItems_SearchAndKeepTheirOffset()
    {
        using var store = new Store();
        var ann = await store.UserAsync("ann@example.com");
        var due = new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.FromHours(1));
        await store.Items.AddAsync(ann, null, new NewActionItem("Buy oat milk and coffee beans", due, null, null, "Please buy oat milk", "local", [3, 4]), default);

        var found = Assert.Single(await store.Items.SearchAsync(ann, "oat milk", 10, default));

        Assert.Equal(due, found.Item.DueAt);
        Assert.Equal(TimeSpan.FromHours(1), found.Item.DueAt!.Value.Offset);
        Assert.Equal([3L, 4L], found.Item.Segments);
    }

    [Fact]
    public async Task ActionItem_CompletedAndReopened_StampsAndClearsCompletedAt()
    {
        using var store = new Store();
        var ann = await store.UserAsync("ann@example.com");
        var item = await store.Items.AddAsync(ann, null, new NewActionItem("Call the dentist", null, null, null, null, "user", []), default);

        var done = await store.Items.UpdateAsync(item with { Status = "completed" }, default);
        var reopened = await store.Items.UpdateAsync(done! with { Status = "open" }, default);

        Assert.NotNull(done!.CompletedAt);
        Assert.Null(reopened!.CompletedAt);
        Assert.Equal("open", reopened.Status);
    }

    [Fact]
    public async Task SaveExtraction_Twice_ReplacesTheConversationsOwnButKeepsUserAdded()
    {
        using var store = new Store();
        var ann = await store.UserAsync("ann@example.com");
        var conversation = await store.ConversationAsync(ann);
        var older = await store.Memories.AddAsync(ann, null, "I like tea", "local", [], default);
        await store.Memories.AddAsync(ann, conversation, "Remember the blue door", "user", [], default);
        var write = new ExtractionWrite(conversation, ann, "Tea and coffee", "We talked about tea.", [new NewMemory("I drink coffee now", [1])],
            [(older.Id, "I used to like tea")], [], [new NewActionItem("Buy coffee", null, null, null, null, "local", [1])], "local");

        await store.Memories.SaveExtractionAsync(write, default);
        await store.Memories.SaveExtractionAsync(write, default);

        var own = await store.Memories.ListByConversationAsync(conversation, default);
        Assert.Equal(["Remember the blue door", "I drink coffee now"], own.Select(m => m.Text));
        Assert.Single(await store.Items.ListByConversationAsync(conversation, default));
        Assert.Equal("I used to like tea", (await store.Memories.FindAsync(older.Id, default))!.Text);
        var row = (await store.Conversations.FindAsync(conversation, default))!;
        Assert.Equal(("Tea and coffee", "We talked about tea."), (row.Title, row.Summary));
    }

    [Fact]
    public async Task Close_QueuesOneExtraction_ClaimedOnlyAfterTheConversationsTranscription()
    {
        using var store = new Store();
        var ann = await store.UserAsync("ann@example.com");
        var conversation = await store.ConversationAsync(ann);
        var other = await store.ConversationAsync(ann);
        var transcription = await store.Jobs.EnqueueOwnedAsync("transcribe", $"{{\"conversation_id\":\"{conversation}\"}}", default);

        await store.Conversations.CloseAsync(conversation, DateTimeOffset.UtcNow, 0, "closed", default);
        await store.Conversations.CloseAsync(conversation, DateTimeOffset.UtcNow, 0, "closed", default); // closing happens once
        await store.Conversations.CloseAsync(other, DateTimeOffset.UtcNow, 0, "failed", default); // nothing to extract from
        var whileTranscribing = await store.Jobs.ClaimAfterAsync(ConversationStore.ExtractJobKind, "transcribe", default);
        await store.Jobs.CompleteAsync(transcription, default);
        var afterwards = await store.Jobs.ClaimAfterAsync(ConversationStore.ExtractJobKind, "transcribe", default);

        Assert.Null(whileTranscribing);
        Assert.NotNull(afterwards);
        Assert.Contains(conversation, afterwards!.Payload, StringComparison.Ordinal);
        Assert.Single(await store.Jobs.ListAsync(null, ConversationStore.ExtractJobKind, 10, default));
    }

    [Fact]
    public async Task ClaimAfter_UsesTheConversationIndex()
    {
        using var store = new Store();
        await using var connection = await store.Database.OpenConnectionAsync(default);
        await using var command = connection.CreateCommand();
        command.CommandText = $"EXPLAIN QUERY PLAN SELECT 1 FROM jobs t WHERE t.kind = 'transcribe' AND t.state IN ('pending', 'running') AND {JobStore.ConversationOf("t")} = 'x';";
        await using var reader = await command.ExecuteReaderAsync();
        var plan = new List<string>();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(3));
        }

        Assert.Contains(plan, line => line.Contains("jobs_by_conversation", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Close_WhenTheJobsTableRefuses_StillCloses_AndTheNextStartQueuesTheExtraction()
    {
        using var store = new Store();
        var ann = await store.UserAsync("ann@example.com");
        var refused = await store.ConversationAsync(ann);
        var queued = await store.ConversationAsync(ann);
        await store.Conversations.CloseAsync(queued, DateTimeOffset.UtcNow, 0, "closed", default);
        await store.Jobs.EnqueueAsync(ConversationStore.ExtractJobKind, "{\"no_conversation\": 1}", default);
        await store.Jobs.EnqueueAsync(ConversationStore.ExtractJobKind, "not json", default);
        await using (var connection = await store.Database.OpenConnectionAsync(default))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "CREATE TRIGGER refuse BEFORE INSERT ON jobs BEGIN SELECT RAISE(ABORT, 'injected'); END;";
            await command.ExecuteNonQueryAsync();
            Assert.True(await store.Conversations.CloseAsync(refused, DateTimeOffset.UtcNow, 16000, "closed", default));
            command.CommandText = "DROP TRIGGER refuse;";
            await command.ExecuteNonQueryAsync();
        }

        var row = (await store.Conversations.FindAsync(refused, default))!;
        var added = await store.Conversations.QueueMissingExtractionsAsync(DateTimeOffset.UtcNow, default);
        var again = await store.Conversations.QueueMissingExtractionsAsync(DateTimeOffset.UtcNow, default);

        Assert.Equal(("closed", 16000L), (row.State, row.SampleCount));
        Assert.Equal((1, 0), (added, again));
        var jobs = await store.Jobs.ListAsync(null, ConversationStore.ExtractJobKind, 10, default);
        Assert.Equal(1, jobs.Count(j => j.ConversationId == refused));
        Assert.Equal(1, jobs.Count(j => j.ConversationId == queued));
    }
}
