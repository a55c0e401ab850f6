using System.Net;
using System.Net.Sockets;
using FriendLite.Edge.Memory;
using FriendLite.Edge.Server;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Memory;

/// <summary>
/// The extraction job as a user meets it (SCENARIOS rows 4 and 12): a closed conversation becomes
/// memories, action items and a title through a durable job under the server's root group; an LLM
/// that never answers neither holds up a stop nor loses the extraction; one that fails leaves the
/// local extractor to do it; a poison job fails alone.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class ExtractionJobTests
{
    /// <summary>Wednesday 2 December 2026, 09:15 in Berlin: "Friday at ten" is 4 December, 10:00 +01:00.</summary>
    private static readonly DateTimeOffset s_start = new(2026, 12, 2, 8, 15, 0, TimeSpan.Zero);

    private static readonly TimeZoneInfo s_berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    private static readonly string[] s_threeUtterances =
    [
        " Good morning. Remind me to call the dentist on Friday at ten.",
        " The glass furnace runs at two thousand degrees and weighs four hundred pounds.",
        " Please buy oat milk and coffee beans before the weekend.",
    ];

    private static ServerOptions Fast(ServerOptions options) =>
        options with { TimeZone = s_berlin, ExtractionPollInterval = TimeSpan.FromMilliseconds(50) };

    [Fact]
    public async Task ConversationClosed_IsExtractedByADurableJobOfTheRootGroup_Offline()
    {
        var baseline = Invariants.Take();
        await using (var server = await TestServer.StartAsync(configure: Fast))
        {
            var (user, _) = await server.CreateUserAsync("ann@example.com");
            var worker = server.Server.Snapshot().Children.Single(c => c.Name == "memory extraction");

            var conversation = await SeedAsync(server, user.Id, s_threeUtterances);
            var job = await WaitForExtractionAsync(server, conversation);

            Assert.Equal("running", worker.State);
            Assert.Equal("done", job.State);
            var items = await new ActionItemStore(server.Server.Database, TimeProvider.System).ListByConversationAsync(conversation, default);
            var dentist = Assert.Single(items, i => i.Description.Contains("dentist", StringComparison.OrdinalIgnoreCase));
            Assert.Equal(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.FromHours(1)), dentist.DueAt);
            Assert.Contains(items, i => i.Description.Contains("oat milk", StringComparison.OrdinalIgnoreCase) && i.Description.Contains("coffee beans", StringComparison.OrdinalIgnoreCase));
            Assert.All(items, i => Assert.Equal("local", i.Source));
            var memories = await new MemoryStore(server.Server.Database, TimeProvider.System).ListByConversationAsync(conversation, default);
            Assert.Contains(memories, m => m.Text.Contains("furnace", StringComparison.OrdinalIgnoreCase) && m.Segments.Count > 0);
            Assert.DoesNotContain(memories, m => s_threeUtterances.Any(u => u.Trim() == m.Text));
            Assert.False(string.IsNullOrWhiteSpace((await new ConversationStore(server.Server.Database).FindAsync(conversation, default))!.Title));
            var found = await new ActionItemStore(server.Server.Database, TimeProvider.System).SearchAsync(user.Id, "oat milk", 5, default);
            Assert.Contains("oat milk", found[0].Item.Description, StringComparison.OrdinalIgnoreCase);
        }

        await Invariants.AssertProcessBackToAsync(baseline);
    }

    [Fact]
    public async Task LlmNeverAnswers_StopWithinDeadline_JobStaysDurable_FinishedAfterRestart()
    {
        using var hanging = new TcpListener(IPAddress.Loopback, 0);
        hanging.Start();
        var baseline = Invariants.Take();
        var port = ((IPEndPoint)hanging.LocalEndpoint).Port;
        var data = new TempDirectory();
        string conversation;
        long jobId;
        var accepted = new List<TcpClient>();
        try
        {
            var server = await TestServer.StartAsync(dataDirectory: data, shutdownTimeout: TimeSpan.FromSeconds(5),
                configure: o => Fast(o) with { Offline = false, Llm = new LlmOptions($"http://127.0.0.1:{port}", "scripted") { Timeout = TimeSpan.FromMinutes(10) } });
            server.KeepDataDirectory = true;
            string userId;
            await using (server)
            {
                userId = (await server.CreateUserAsync("ann@example.com")).User.Id;
                conversation = await SeedAsync(server, userId, s_threeUtterances);
                accepted.Add(await hanging.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(30))); // the LLM call is under way, and never answered
                var running = Assert.Single(await server.Server.Jobs.ListAsync("running", ConversationStore.ExtractJobKind, 10, default));
                jobId = running.Id;

                Assert.True(await server.Server.StopAsync(), "the stop overran its deadline while an LLM call hung");
            }

            // The server's side of the LLM connection is closed: the hanging server reads its end.
            var stream = accepted[0].GetStream();
            var buffer = new byte[4096];
            while (await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10)) > 0)
            {
            }

            await using var restarted = await TestServer.StartAsync(dataDirectory: data,
                configure: o => Fast(o) with { LanguageModel = () => new ScriptedModel() });
            var job = await WaitForExtractionAsync(restarted, conversation);

            Assert.Equal("done", job.State);
            Assert.Equal(jobId, job.Id);
            Assert.Equal(1, job.Attempts); // the attempt the stop interrupted was not spent
            var memories = await new MemoryStore(restarted.Server.Database, TimeProvider.System).ListByConversationAsync(conversation, default);
            Assert.Equal(["The furnace runs at 2000 degrees"], memories.Select(m => m.Text));
            Assert.Equal("llm", memories[0].Source);
            await restarted.DisposeAsync();
            accepted.ForEach(c => c.Dispose()); // the test's own end of the LLM connection
            await Invariants.AssertProcessBackToAsync(baseline);
        }
        finally
        {
            accepted.ForEach(c => c.Dispose());
            data.Dispose();
        }
    }

    [Fact]
    public async Task LlmFails_ConversationIsExtractedLocally()
    {
        await using var server = await TestServer.StartAsync(configure: o => Fast(o) with { LanguageModel = () => new ScriptedModel { Fails = true } });
        var (user, _) = await server.CreateUserAsync("ann@example.com");

        var conversation = await SeedAsync(server, user.Id, s_threeUtterances);
        var job = await WaitForExtractionAsync(server, conversation);

        Assert.Equal("done", job.State);
        var items = await new ActionItemStore(server.Server.Database, TimeProvider.System).ListByConversationAsync(conversation, default);
        Assert.Contains(items, i => i.Description.Contains("dentist", StringComparison.OrdinalIgnoreCase) && i.Source == "local");
    }

    [Fact]
    public async Task PoisonJob_FailsAlone_TheNextConversationIsStillExtracted()
    {
        await using var server = await TestServer.StartAsync(configure: Fast);
        var (user, _) = await server.CreateUserAsync("ann@example.com");
        var poison = await server.Server.Jobs.EnqueueAsync(ConversationStore.ExtractJobKind, "not json at all", default);

        var conversation = await SeedAsync(server, user.Id, s_threeUtterances);
        var job = await WaitForExtractionAsync(server, conversation);

        Assert.Equal("done", job.State);
        var failed = (await server.Server.Jobs.FindAsync(poison, default))!;
        Assert.Equal("failed", failed.State);
        Assert.Contains("names no conversation", failed.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThreeConversations_NegationReplacesTheOldFact_RepeatsAreNotStoredTwice()
    {
        await using var server = await TestServer.StartAsync(configure: Fast);
        var (user, _) = await server.CreateUserAsync("ann@example.com");
        var memories = new MemoryStore(server.Server.Database, TimeProvider.System);

        await WaitForExtractionAsync(server, await SeedAsync(server, user.Id, [" I like tea."]));
        var afterFirst = (await memories.ListAsync(user.Id, 100, 0, default)).Select(m => m.Text).ToList();
        await WaitForExtractionAsync(server, await SeedAsync(server, user.Id, [" I no longer like tea, I drink coffee now."]));
        var afterSecond = (await memories.ListAsync(user.Id, 100, 0, default)).Select(m => m.Text).ToList();
        await WaitForExtractionAsync(server, await SeedAsync(server, user.Id, [" I no longer like tea, I drink coffee now."]));
        var afterThird = (await memories.ListAsync(user.Id, 100, 0, default)).Select(m => m.Text).ToList();

        Assert.Equal(["user likes tea"], afterFirst.Select(LocalConsolidation.Normalize));
        // The negation took "likes tea" back; both halves of the second conversation are kept.
        Assert.Equal(["user drinks coffee now", "user no longer likes tea"], afterSecond.Select(LocalConsolidation.Normalize).Order(StringComparer.Ordinal));
        // Said again, nothing is stored twice.
        Assert.Equal(afterSecond.Order(StringComparer.Ordinal), afterThird.Order(StringComparer.Ordinal));
    }

    /// <summary>A conversation of <paramref name="userId"/> with these lines as its transcript, closed (which queues its extraction).</summary>
    internal static async Task<string> SeedAsync(TestServer server, string userId, IReadOnlyList<string> lines)
    {
        var conversations = new ConversationStore(server.Server.Database);
        var transcripts = new TranscriptStore(server.Server.Database);
        var id = Guid.NewGuid().ToString("N");
        await conversations.CreateAsync(new ConversationRow(id, userId, "wearable", s_start, null, null, 16000, 0, "open"), default);
        for (var i = 0; i < lines.Count; i++)
        {
            await transcripts.AddAsync(id, i * 6.0, (i * 6.0) + 5, lines[i], "speaker_wearable", "test", "test", default);
        }

        await conversations.CloseAsync(id, s_start.AddSeconds(lines.Count * 6), lines.Count * 6 * 16000, "closed", default);
        return id;
    }

    internal static async Task<JobInfo> WaitForExtractionAsync(TestServer server, string conversation)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var job = (await server.Server.Jobs.ListAsync(null, ConversationStore.ExtractJobKind, 1000, default)).FirstOrDefault(j => j.ConversationId == conversation);
            if (job is { State: "done" or "failed" } || DateTime.UtcNow > deadline)
            {
                return job ?? throw new InvalidOperationException($"no extraction job for {conversation}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>A language model that answers like a sensible one would, or fails like a broken one.</summary>
    private sealed class ScriptedModel : ILanguageModel
    {
        public bool Fails { get; init; }

        public string Describe => "scripted";

        public Task<Extraction> ExtractAsync(ConversationText conversation, IReadOnlyList<string> known, CancellationToken cancellationToken) =>
            Fails
                ? Task.FromException<Extraction>(new LlmException("the LLM at scripted answered 500 three times", transient: true))
                : Task.FromResult(new Extraction("Dentist and groceries", "Ann planned errands.", [new ExtractedMemory("The furnace runs at 2000 degrees", [])],
                    [new ExtractedActionItem("Call the dentist", new DateTimeOffset(conversation.LocalStart.Date.AddDays(2).AddHours(10), conversation.LocalStart.Offset), [])], ExtractionSource.Llm));

        public Task<IReadOnlyList<MemoryDecision>> ConsolidateAsync(IReadOnlyList<string> newFacts, IReadOnlyList<StoredMemory> similar, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<MemoryDecision>>([.. newFacts.Select(f => new MemoryDecision(MemoryEvent.Add, null, f))]);
    }
}
