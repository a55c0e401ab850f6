using System.Text.Json;
using FriendLite.Edge.Memory;
using FriendLite.Edge.Tests.Support;
using static FriendLite.Edge.Tests.Memory.LlmTestData;
using Answer = FriendLite.Edge.Tests.Support.FakeLlm.Answer;

namespace FriendLite.Edge.Tests.Memory;

/// <summary>The second call: new facts against the most similar stored memories, which the model only knows by temporary ids.</summary>
public sealed class LlmConsolidationTests
{
    [Fact]
    public async Task ConsolidateAsync_ShowsTemporaryIds_AndMapsDecisionsBackToRealIds_DroppingInventedOnes()
    {
        await using var llm = FakeLlm.Start(Answer.Chat("""
            {"memory": [
              {"id": "0", "text": "Likes tea", "event": "DELETE"},
              {"id": "1", "text": "Lives in Lyon since March", "event": "UPDATE"},
              {"id": 2, "text": "Has a dog", "event": "none"},
              {"id": "7", "text": "Lives in Paris", "event": "UPDATE"},
              {"id": "1017", "text": "Likes tea", "event": "DELETE"},
              {"id": "1", "text": "Lives in Lyon", "event": "DELETE"},
              {"id": null, "text": "Has a cat", "event": "ADD"},
              {"id": "3", "text": "", "event": "ADD"},
              {"id": "4", "text": "has a dog", "event": "ADD"},
              {"id": "0", "text": "Moved", "event": "MERGE"},
              "garbage"]}
            """));
        using var client = Client(llm);
        StoredMemory[] similar = [new(1017, "Likes tea"), new(2042, "Lives in Berlin"), new(3003, "Has a dog")];

        var decisions = await client.ConsolidateAsync(["Moved to Lyon in March", "Has a cat", "No longer likes tea"], similar, CancellationToken.None);

        var request = Assert.Single(llm.Requests);
        Assert.Equal(LlmPrompts.ConsolidationSystem, request.SystemPrompt);
        Assert.Contains("""[{"id":"0","text":"Likes tea"},{"id":"1","text":"Lives in Berlin"},{"id":"2","text":"Has a dog"}]""", request.UserPrompt, StringComparison.Ordinal);
        Assert.Contains("""["Moved to Lyon in March","Has a cat","No longer likes tea"]""", request.UserPrompt, StringComparison.Ordinal);
        Assert.DoesNotContain("1017", request.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("2042", request.Body, StringComparison.Ordinal);
        Assert.Equal(
            [
                new MemoryDecision(MemoryEvent.Delete, 1017, "Likes tea"),
                new MemoryDecision(MemoryEvent.Update, 2042, "Lives in Lyon since March"),
                new MemoryDecision(MemoryEvent.None, 3003, "Has a dog"),
                new MemoryDecision(MemoryEvent.Add, null, "Has a cat"),
            ],
            decisions);
    }

    [Fact]
    public async Task ConsolidateAsync_UpdateToTheSameText_IsNone()
    {
        await using var llm = FakeLlm.Start(Answer.Chat("""{"memory": [{"id": "0", "text": "Likes tea", "event": "UPDATE"}]}"""));
        using var client = Client(llm);

        var decisions = await client.ConsolidateAsync(["Likes tea"], [new StoredMemory(5, "Likes tea")], CancellationToken.None);

        Assert.Equal([new MemoryDecision(MemoryEvent.None, 5, "Likes tea")], decisions);
    }

    [Fact]
    public async Task ConsolidateAsync_NothingSimilarStored_MakesNoCall_AndAddsEveryFactOnce()
    {
        await using var llm = FakeLlm.Start(Answer.Status(500));
        using var client = Client(llm);

        var decisions = await client.ConsolidateAsync(["Likes tea", "  likes   TEA ", "", "Has a cat"], [], CancellationToken.None);

        Assert.Empty(llm.Requests);
        Assert.Equal([new MemoryDecision(MemoryEvent.Add, null, "Likes tea"), new MemoryDecision(MemoryEvent.Add, null, "Has a cat")], decisions);
    }

    [Fact]
    public async Task ConsolidateAsync_AnswerWithoutAMemoryList_IsTriedAgainThenFails()
    {
        await using var llm = FakeLlm.Start(Answer.Chat("""{"result": "ok"}"""), Answer.Chat("""{"memory": "none"}"""));
        using var client = Client(llm, attempts: 2);

        var thrown = await Assert.ThrowsAsync<LlmException>(() => client.ConsolidateAsync(["Has a cat"], [new StoredMemory(1, "Has a dog")], CancellationToken.None));

        Assert.Equal(2, llm.Requests.Count);
        Assert.Contains("no \"memory\" list", thrown.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The scripted sequence of the issue, at the client's level: the fake answers like a sensible
    /// model would, and a dictionary stands in for the store and its similarity search.
    /// </summary>
    [Fact]
    public async Task ThreeConversations_TeaThenNoLongerTeaThenCoffee_AddThenDeleteAndAddThenNone()
    {
        await using var llm = FakeLlm.Start(SensibleModel);
        using var client = Client(llm);
        var store = new SortedDictionary<long, string>();
        var nextId = 1L;
        var decided = new List<string>();

        foreach (var said in new[] { "I like tea.", "I no longer like tea, I drink coffee now.", "Had my coffee this morning, as usual." })
        {
            var extraction = await client.ExtractAsync(Conversation(said), CancellationToken.None);
            var facts = extraction.Memories.Select(m => m.Text).ToList();
            var similar = store.Where(m => facts.Any(f => SharesAWord(f, m.Value))).Select(m => new StoredMemory(m.Key, m.Value)).ToList();
            var decisions = await client.ConsolidateAsync(facts, similar, CancellationToken.None);
            foreach (var decision in decisions)
            {
                _ = decision.Event switch
                {
                    MemoryEvent.Add => store[nextId++] = decision.Text,
                    MemoryEvent.Update => store[decision.TargetId!.Value] = decision.Text,
                    MemoryEvent.Delete => store.Remove(decision.TargetId!.Value) ? "" : throw new InvalidOperationException("deleted twice"),
                    _ => "",
                };
            }

            decided.Add(string.Join("; ", decisions.Select(d => $"{d.Event} {d.TargetId} {d.Text}")));
        }

        Assert.Equal(["Add  Likes tea", "Delete 1 Likes tea; Add  Drinks coffee", "None 2 Drinks coffee"], decided);
        Assert.Equal([(2L, "Drinks coffee")], store.Select(m => (m.Key, m.Value)));
        Assert.Equal(5, llm.Requests.Count); // three extractions, two consolidations (the first had nothing similar)
        Assert.Contains("""[{"id":"0","text":"Likes tea"}]""", llm.Requests[2].UserPrompt, StringComparison.Ordinal);
    }

    /// <summary>A model that follows the prompts: tea and coffee facts from the transcript; DELETE on "no longer", NONE on a repeat, ADD otherwise.</summary>
    private static Answer SensibleModel(LlmRequest request)
    {
        var user = request.UserPrompt;
        if (request.SystemPrompt == LlmPrompts.ExtractionSystem)
        {
            string[] facts = user.Contains("no longer like tea", StringComparison.Ordinal) ? ["No longer likes tea", "Drinks coffee"]
                : user.Contains("I like tea", StringComparison.Ordinal) ? ["Likes tea"]
                : user.Contains("coffee", StringComparison.Ordinal) ? ["Drinks coffee"]
                : [];
            return Answer.Chat($$"""{"title": "Drinks", "summary": "They talked about drinks.", "memories": [{{string.Join(',', facts.Select(Quoted))}}], "action_items": []}""");
        }

        var existingStart = user.IndexOf("Existing memories:\n", StringComparison.Ordinal) + "Existing memories:\n".Length;
        var factsStart = user.IndexOf("\n\nNew facts:\n", StringComparison.Ordinal);
        using var existing = JsonDocument.Parse(user[existingStart..factsStart]);
        using var newFacts = JsonDocument.Parse(user[(factsStart + "\n\nNew facts:\n".Length)..]);
        var facts2 = newFacts.RootElement.EnumerateArray().Select(f => f.GetString()!).ToList();
        var answer = new List<string>();
        foreach (var memory in existing.RootElement.EnumerateArray())
        {
            var (id, text) = (memory.GetProperty("id").GetString()!, memory.GetProperty("text").GetString()!);
            var negated = facts2.Any(f => string.Equals(f, "No longer " + text, StringComparison.OrdinalIgnoreCase));
            answer.Add($$"""{"id": {{Quoted(id)}}, "text": {{Quoted(text)}}, "event": "{{(negated ? "DELETE" : "NONE")}}"}""");
        }

        var known = existing.RootElement.EnumerateArray().Select(m => m.GetProperty("text").GetString()!).ToList();
        foreach (var fact in facts2.Where(f => !f.StartsWith("No longer", StringComparison.Ordinal) && !known.Contains(f, StringComparer.OrdinalIgnoreCase)))
        {
            answer.Add($$"""{"id": null, "text": {{Quoted(fact)}}, "event": "ADD"}""");
        }

        return Answer.Chat($$"""{"memory": [{{string.Join(',', answer)}}]}""");
    }

    private static string Quoted(string text) => $"\"{JsonEncodedText.Encode(text)}\"";

    private static bool SharesAWord(string a, string b) =>
        a.ToUpperInvariant().Split(' ').Intersect(b.ToUpperInvariant().Split(' ')).Any(w => w.Length >= 3);
}
