using System.Globalization;

namespace FriendLite.Edge.Memory;

/// <summary>The two calls the extract job makes: a conversation into an <see cref="Extraction"/>, then new facts against stored memories.</summary>
internal sealed partial class LlmClient
{
    /// <summary>Facts passed as "already known" to extraction, at most (the prompt stays small).</summary>
    private const int MaxKnown = 50;

    /// <summary>
    /// One call for the conversation (one per part only when its transcript is longer than
    /// <see cref="LlmOptions.MaxChars"/>; the parts' answers are merged). A conversation without
    /// words makes no call and yields nothing.
    /// </summary>
    public Task<Extraction> ExtractAsync(ConversationText conversation, CancellationToken cancellationToken) =>
        ExtractAsync(conversation, [], cancellationToken);

    /// <summary>As <see cref="ExtractAsync(ConversationText, CancellationToken)"/>, telling the model facts it already has, so it does not repeat them.</summary>
    public async Task<Extraction> ExtractAsync(ConversationText conversation, IReadOnlyList<string> known, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var lines = conversation.Lines.Where(l => !string.IsNullOrWhiteSpace(l.Text)).ToList();
        if (lines.Count == 0)
        {
            return Extraction.Empty(ExtractionSource.Llm);
        }

        var knownFacts = known.Select(LlmAnswers.Fact).OfType<string>().Take(MaxKnown).ToList();
        var parts = Parts(lines, _options.MaxChars);
        var answers = new List<Extraction>(parts.Count);
        for (var i = 0; i < parts.Count; i++)
        {
            var part = parts[i];
            var transcript = string.Join('\n', part.Select(Line));
            var user = LlmPrompts.ExtractionUser(conversation, transcript, i + 1, parts.Count, knownFacts);
            answers.Add(await CallAsync(LlmPrompts.ExtractionSystem, user, content => LlmAnswers.Extraction(content, conversation, part), cancellationToken));
        }

        return answers.Count == 1 ? answers[0] : Merge(answers);
    }

    /// <summary>
    /// The mem0-style second call: what <paramref name="newFacts"/> do to the <paramref name="similar"/>
    /// stored memories (ADD, UPDATE, DELETE, NONE). The model sees the stored ones under temporary
    /// ids "0".."n-1" and the decisions name their real ids again (see <see cref="LlmAnswers.Decisions"/>
    /// for what is dropped). With nothing similar stored there is nothing to decide: no call, every
    /// fact is an ADD.
    /// </summary>
    public async Task<IReadOnlyList<MemoryDecision>> ConsolidateAsync(IReadOnlyList<string> newFacts, IReadOnlyList<StoredMemory> similar, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var facts = newFacts.Select(LlmAnswers.Fact).OfType<string>().DistinctBy(f => f.ToUpperInvariant()).Take(LlmAnswers.MaxElements).ToList();
        if (facts.Count == 0)
        {
            return [];
        }

        var offered = similar.DistinctBy(m => m.Id).ToList();
        if (offered.Count == 0)
        {
            return [.. facts.Select(f => new MemoryDecision(MemoryEvent.Add, null, f))];
        }

        var shown = offered.Select((m, i) => new ConsolidationMemory(i.ToString(CultureInfo.InvariantCulture), m.Text)).ToList();
        var user = LlmPrompts.ConsolidationUser(shown, facts);
        return await CallAsync(LlmPrompts.ConsolidationSystem, user, content => LlmAnswers.Decisions(content, offered), cancellationToken);
    }

    /// <summary>A transcript line as the model reads it: <c>speaker: text</c> on one line.</summary>
    private static string Line(TranscriptLine line) =>
        $"{(string.IsNullOrWhiteSpace(line.Speaker) ? "speaker" : line.Speaker.Trim())}: {line.Text.ReplaceLineEndings(" ").Trim()}";

    /// <summary>Consecutive lines in parts of at most <paramref name="maxChars"/> characters; a longer line is cut into pieces of its own.</summary>
    internal static List<List<TranscriptLine>> Parts(IReadOnlyList<TranscriptLine> lines, int maxChars)
    {
        var parts = new List<List<TranscriptLine>>();
        var current = new List<TranscriptLine>();
        var size = 0;
        foreach (var line in lines.SelectMany(l => Pieces(l, maxChars)))
        {
            var length = Line(line).Length + 1;
            if (current.Count > 0 && size + length > maxChars)
            {
                parts.Add(current);
                current = [];
                size = 0;
            }

            current.Add(line);
            size += length;
        }

        if (current.Count > 0)
        {
            parts.Add(current);
        }

        return parts;
    }

    /// <summary>A line short enough to fit a part as it is, else its text in pieces (cut at spaces where there are some), each keeping the segment id.</summary>
    private static IEnumerable<TranscriptLine> Pieces(TranscriptLine line, int maxChars)
    {
        var room = Math.Max(maxChars - (Line(line).Length - line.Text.Length) - 1, 100); // what the speaker label leaves
        var text = line.Text.ReplaceLineEndings(" ").Trim();
        while (text.Length > room)
        {
            var cut = text.LastIndexOf(' ', room);
            cut = cut > room / 2 ? cut : room;
            yield return line with { Text = text[..cut] };
            text = text[cut..].TrimStart();
        }

        yield return line with { Text = text };
    }

    /// <summary>The parts' answers as one: the first title and summary, the memories and items of all parts without repeats.</summary>
    private static Extraction Merge(List<Extraction> answers) => new(
        answers.Select(a => a.Title).FirstOrDefault(t => t is not null),
        answers.Select(a => a.Summary).FirstOrDefault(s => s is not null),
        [.. answers.SelectMany(a => a.Memories).DistinctBy(m => m.Text.ToUpperInvariant()).Take(LlmAnswers.MaxElements)],
        [.. answers.SelectMany(a => a.ActionItems).DistinctBy(i => i.Description.ToUpperInvariant()).Take(LlmAnswers.MaxElements)],
        ExtractionSource.Llm);
}
