using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Memory;

/// <summary>One extraction: the transcript read, the LLM or the local extractor, consolidation against the user's most similar memories, one transaction.</summary>
internal sealed partial class ExtractionWorker
{
    /// <summary>Existing memories offered to consolidation per new fact (mem0 offers 5).</summary>
    private const int SimilarPerFact = 5;

    /// <summary>The user's newest memories the LLM is told it already has (Omi passes them so they are not extracted again).</summary>
    private const int KnownFacts = 50;

    private sealed record Outcome(string Source, int Memories, int ActionItems, string? Title);

    private async Task<Outcome> ExtractAsync(string conversationId, CancellationToken serverToken)
    {
        var row = await Transient.RetryAsync(() => sources.Conversations.FindAsync(conversationId, serverToken), cancellationToken: serverToken);
        if (row is null)
        {
            return new Outcome("none (the conversation was deleted)", 0, 0, null);
        }

        var transcript = await Transient.RetryAsync(() => sources.Transcripts.ListAsync(conversationId, serverToken), cancellationToken: serverToken);
        var lines = transcript.Where(t => !string.IsNullOrWhiteSpace(t.Text)).Select(t => new TranscriptLine(t.Id, t.Speaker, t.Text.Trim(), t.Start, t.End)).ToList();
        var conversation = new ConversationText(row.Id, row.UserId, row.StartedAt, zone, lines);
        var extraction = lines.Count == 0 ? Extraction.Empty(ExtractionSource.Local) : await ExtractWithAsync(conversation, serverToken);
        var facts = extraction.Memories.Select(m => m.Text).ToList();
        var similar = await SimilarAsync(row.UserId, conversationId, facts, serverToken);
        var decisions = await ConsolidateAsync(extraction.Source, facts, similar, serverToken);
        var offered = similar.Select(m => m.Id).ToHashSet();
        var write = new ExtractionWrite(
            conversationId,
            row.UserId,
            extraction.Title,
            extraction.Summary,
            [.. decisions.Where(d => d.Event == MemoryEvent.Add).Select(d => new NewMemory(d.Text, SegmentsOf(d.Text, extraction, lines)))],
            [.. decisions.Where(d => d.Event == MemoryEvent.Update && d.TargetId is { } id && offered.Contains(id)).Select(d => (d.TargetId!.Value, d.Text))],
            [.. decisions.Where(d => d.Event == MemoryEvent.Delete && d.TargetId is { } id && offered.Contains(id)).Select(d => d.TargetId!.Value)],
            [.. extraction.ActionItems.Select(i => new NewActionItem(i.Description, i.DueAt, i.Assignee, i.Priority, i.Context, extraction.Source,
                i.Segments.Count > 0 ? i.Segments : SourceSegments.Find(i.Description, lines)))],
            extraction.Source);
        await Transient.RetryAsync(() => sources.Memories.SaveExtractionAsync(write, serverToken), cancellationToken: serverToken);
        return new Outcome(extraction.Source, write.Added.Count, write.ActionItems.Count, extraction.Title);
    }

    /// <summary>The LLM when there is one, and the local extractor when there is none or it failed past its retries.</summary>
    private async Task<Extraction> ExtractWithAsync(ConversationText conversation, CancellationToken serverToken)
    {
        if (model is null)
        {
            return LocalExtractor.Extract(conversation);
        }

        try
        {
            var known = await Transient.RetryAsync(() => sources.Memories.ListAsync(conversation.UserId, KnownFacts, 0, serverToken), cancellationToken: serverToken);
            return await model.ExtractAsync(conversation, [.. known.Where(m => m.ConversationId != conversation.ConversationId).Select(m => m.Text)], serverToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !serverToken.IsCancellationRequested)
        {
            log.Warn("memory", "the LLM could not extract this conversation; extracting it locally instead", ("conversation", conversation.ConversationId),
                ("llm", model.Describe), ("reason", Reasons.Of(ex)));
            return LocalExtractor.Extract(conversation);
        }
    }

    /// <summary>The user's stored memories most like the new facts (full-text, bm25), the conversation's own left out: they are being replaced.</summary>
    private async Task<List<StoredMemory>> SimilarAsync(string userId, string conversationId, List<string> facts, CancellationToken serverToken)
    {
        var similar = new Dictionary<long, StoredMemory>();
        foreach (var fact in facts)
        {
            // Its topic words only: "User", "the", "no" would match most of a large store and cost a ranking of all of it.
            var topic = string.Join(' ', fact.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Where(w => !Vocabulary.FunctionWords.Contains(w.Trim('.', ',', '!', '?', ';', ':').ToLowerInvariant())));
            var query = topic.Length > 0 ? topic : fact;
            var found = await Transient.RetryAsync(() => sources.Memories.SearchAsync(userId, query, SimilarPerFact, serverToken, excludeConversation: conversationId), cancellationToken: serverToken);
            foreach (var (memory, _) in found)
            {
                similar.TryAdd(memory.Id, new StoredMemory(memory.Id, memory.Text));
            }
        }

        return [.. similar.Values];
    }

    /// <summary>
    /// ADD/UPDATE/DELETE/NONE: by the LLM when it made the facts and there is something to compare
    /// them with, else (or when that call fails) by the local rules.
    /// </summary>
    private async Task<IReadOnlyList<MemoryDecision>> ConsolidateAsync(string source, List<string> facts, List<StoredMemory> similar, CancellationToken serverToken)
    {
        if (facts.Count == 0)
        {
            return [];
        }

        if (model is null || source != ExtractionSource.Llm || similar.Count == 0)
        {
            return LocalConsolidation.Decide(facts, similar);
        }

        try
        {
            return await model.ConsolidateAsync(facts, similar, serverToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !serverToken.IsCancellationRequested)
        {
            log.Warn("memory", "the LLM could not consolidate memories; using the local rules instead", ("llm", model.Describe), ("reason", Reasons.Of(ex)));
            return LocalConsolidation.Decide(facts, similar);
        }
    }

    /// <summary>The segments a memory came from: the extractor's own when the text is one of its facts, else the lines sharing the most words with it.</summary>
    private static IReadOnlyList<long> SegmentsOf(string text, Extraction extraction, List<TranscriptLine> lines) =>
        extraction.Memories.FirstOrDefault(m => m.Text == text) is { Segments.Count: > 0 } fact ? fact.Segments : SourceSegments.Find(text, lines);
}
