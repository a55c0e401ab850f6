namespace FriendLite.Edge.Memory;

/// <summary>One transcript segment as the extractors read it: its row id (the memory's source), speaker, text and place.</summary>
internal sealed record TranscriptLine(long SegmentId, string? Speaker, string Text, double Start, double End);

/// <summary>
/// A closed conversation's transcript, with what dates are resolved against: when it started, and
/// the household's time zone (a "Friday at ten" said in Berlin is ten o'clock in Berlin).
/// </summary>
internal sealed record ConversationText(string ConversationId, string UserId, DateTimeOffset StartedAt, TimeZoneInfo Zone, IReadOnlyList<TranscriptLine> Lines)
{
    /// <summary>The conversation's start in its time zone, the "now" of everything said in it.</summary>
    public DateTimeOffset LocalStart => TimeZoneInfo.ConvertTime(StartedAt, Zone);
}

/// <summary>How a memory or action item was made.</summary>
internal static class ExtractionSource
{
    public const string Llm = "llm";
    public const string Local = "local";
    public const string User = "user";
}

/// <summary>A short standalone fact worth finding again, with the transcript segments it came from.</summary>
internal sealed record ExtractedMemory(string Text, IReadOnlyList<long> Segments);

/// <summary>Something to do, due at a moment resolved against the conversation's start (with its offset), or undated.</summary>
internal sealed record ExtractedActionItem(string Description, DateTimeOffset? DueAt, IReadOnlyList<long> Segments)
{
    public string? Assignee { get; init; }

    /// <summary><c>low</c>, <c>medium</c> or <c>high</c>, when it was stated or inferred.</summary>
    public string? Priority { get; init; }

    /// <summary>The words it came from, for a person reading the item later.</summary>
    public string? Context { get; init; }
}

/// <summary>What one conversation yields: a title (at most six words), a one-sentence summary, memories and action items.</summary>
internal sealed record Extraction(string? Title, string? Summary, IReadOnlyList<ExtractedMemory> Memories, IReadOnlyList<ExtractedActionItem> ActionItems, string Source)
{
    public static Extraction Empty(string source) => new(null, null, [], [], source);
}

/// <summary>What consolidation decided for one memory: add a new one, rewrite or delete an existing one, or leave it.</summary>
internal enum MemoryEvent
{
    Add,
    Update,
    Delete,
    None,
}

/// <summary>
/// One consolidation decision. <see cref="TargetId"/> is the real id of the existing memory it
/// concerns (mapped back from the temporary id the model saw), null for <see cref="MemoryEvent.Add"/>.
/// </summary>
internal sealed record MemoryDecision(MemoryEvent Event, long? TargetId, string Text);

/// <summary>An existing memory offered to consolidation (one of the most similar to the new facts).</summary>
internal sealed record StoredMemory(long Id, string Text);
