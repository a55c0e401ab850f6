namespace FriendLite.Edge.Memory;

/// <summary>
/// The online extractor, as the extraction job sees it (the LLM client; tests substitute their own).
/// Its calls throw <see cref="OperationCanceledException"/> only for the caller's token; every other
/// failure (past its own retries, timeouts and circuit breaker) is an exception the job answers by
/// extracting locally instead.
/// </summary>
internal interface ILanguageModel
{
    /// <summary>Where it is, for logs and /health ("http://ollama:11434 (llama3.2)").</summary>
    string Describe { get; }

    /// <summary>One conversation's extraction; <paramref name="known"/> are facts already stored, so they are not repeated.</summary>
    Task<Extraction> ExtractAsync(ConversationText conversation, IReadOnlyList<string> known, CancellationToken cancellationToken);

    Task<IReadOnlyList<MemoryDecision>> ConsolidateAsync(IReadOnlyList<string> newFacts, IReadOnlyList<StoredMemory> similar, CancellationToken cancellationToken);
}
