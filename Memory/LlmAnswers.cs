using System.Globalization;
using System.Text;
using System.Text.Json;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Memory;

/// <summary>
/// Reads what the model wrote, trusting none of the prompt's rules to have been followed. The
/// content must hold a JSON object (fences and words around it are skipped: the outermost
/// <c>{...}</c> is read); a content without one is <see cref="InvalidDataException"/>, a failed
/// try. Inside it, each element is judged alone: a malformed memory or action item is dropped and
/// the rest are kept, so one bad element never costs the whole answer.
/// </summary>
internal static class LlmAnswers
{
    /// <summary>Memories, action items or decisions kept from one answer, at most.</summary>
    public const int MaxElements = 20;

    /// <summary>A memory longer than this is not a short fact (it is usually transcript pasted back): dropped.</summary>
    public const int MaxMemoryChars = 300;

    public const int MaxTitleWords = 6;

    private const int MaxTitleChars = 80;
    private const int MaxSummaryChars = 400;
    private const int MaxAssigneeChars = 80;

    /// <summary>The extraction answer as an <see cref="Extraction"/>; sources are the transcript lines each element shares most words with.</summary>
    public static Extraction Extraction(string content, ConversationText conversation, IReadOnlyList<TranscriptLine> lines)
    {
        using var document = ObjectIn(content);
        var root = document.RootElement;
        var memories = new List<ExtractedMemory>();
        foreach (var element in ArrayOf(root, "memories", "facts"))
        {
            if (Fact(element) is { } text && !memories.Exists(m => Same(m.Text, text)) && memories.Count < MaxElements)
            {
                memories.Add(new ExtractedMemory(text, LlmSources.For(text, lines)));
            }
        }

        var items = new List<ExtractedActionItem>();
        foreach (var element in ArrayOf(root, "action_items", "actionItems"))
        {
            if (Item(element, conversation, lines) is { } item && !items.Exists(i => Same(i.Description, item.Description)) && items.Count < MaxElements)
            {
                items.Add(item);
            }
        }

        return new Extraction(Title(StringOf(root, "title")), Cut(StringOf(root, "summary"), MaxSummaryChars), memories, items, ExtractionSource.Llm);
    }

    /// <summary>
    /// The consolidation answer as decisions about real ids. <paramref name="offered"/> is the list
    /// the model saw, temporary id <c>i</c> being <c>offered[i]</c>. UPDATE, DELETE and NONE must
    /// name an offered id, each at most once: one naming any other id is dropped (an UPDATE with an
    /// invented id is not turned into an ADD: the model was confused about what it merged, and a
    /// store filling with near-duplicates is the failure mem0-based systems are known for). An ADD
    /// or UPDATE without text is dropped; an UPDATE to the same text is a NONE; an ADD of a text
    /// already stored or already added is dropped.
    /// </summary>
    public static IReadOnlyList<MemoryDecision> Decisions(string content, IReadOnlyList<StoredMemory> offered)
    {
        using var document = ObjectIn(content);
        var root = document.RootElement;
        if (!TryArray(root, "memory", out var list) && !TryArray(root, "memories", out list))
        {
            throw new InvalidDataException("its answer has no \"memory\" list");
        }

        var decisions = new List<MemoryDecision>();
        var decided = new HashSet<int>();
        foreach (var element in list.EnumerateArray())
        {
            if (decisions.Count >= 2 * MaxElements || element.ValueKind != JsonValueKind.Object || EventOf(element) is not { } kind)
            {
                continue;
            }

            var text = Fact(StringOf(element, "text"));
            if (kind == MemoryEvent.Add)
            {
                if (text is not null && !offered.Any(o => Same(o.Text, text)) && !decisions.Exists(d => d.Event == MemoryEvent.Add && Same(d.Text, text)))
                {
                    decisions.Add(new MemoryDecision(MemoryEvent.Add, null, text));
                }

                continue;
            }

            if ((kind == MemoryEvent.Update && text is null) || TemporaryId(element, offered.Count) is not { } index || !decided.Add(index))
            {
                continue;
            }

            var target = offered[index];
            decisions.Add(kind == MemoryEvent.Update && text != target.Text
                ? new MemoryDecision(MemoryEvent.Update, target.Id, text!)
                : new MemoryDecision(kind == MemoryEvent.Update ? MemoryEvent.None : kind, target.Id, target.Text));
        }

        return decisions;
    }

    /// <summary>
    /// The outermost <c>{...}</c> of the content as a document (the caller disposes it); when that is
    /// not JSON because words after the object hold a brace too, the first whole object.
    /// </summary>
    public static JsonDocument ObjectIn(string content)
    {
        var start = content.IndexOf('{', StringComparison.Ordinal);
        var end = content.LastIndexOf('}');
        if (start < 0 || end < start)
        {
            throw new InvalidDataException("its answer holds no JSON object");
        }

        var options = new JsonDocumentOptions { AllowTrailingCommas = true, MaxDepth = 16 };
        try
        {
            return JsonDocument.Parse(content.AsMemory(start, end - start + 1), options);
        }
        catch (JsonException ex)
        {
            try
            {
                var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(content[start..]), new JsonReaderOptions { AllowTrailingCommas = true, MaxDepth = 16 });
                return JsonDocument.ParseValue(ref reader);
            }
            catch (JsonException)
            {
                throw new InvalidDataException($"its answer is not a JSON object ({Reasons.Json(ex)})", ex);
            }
        }
    }

    /// <summary>A memory: a string, or an object with a <c>text</c>/<c>memory</c>/<c>fact</c> string; trimmed, bounded, never empty.</summary>
    private static string? Fact(JsonElement element)
    {
        var text = element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Object => StringOf(element, "text") ?? StringOf(element, "memory") ?? StringOf(element, "fact"),
            _ => null,
        };
        return Fact(text);
    }

    /// <summary>A fact as stored: tidy whitespace, no bullet, not empty, not over <see cref="MaxMemoryChars"/>; else null.</summary>
    internal static string? Fact(string? text)
    {
        text = Tidy(text)?.TrimStart('-', '*', '•', ' ');
        return string.IsNullOrEmpty(text) || text.Length > MaxMemoryChars ? null : text;
    }

    private static ExtractedActionItem? Item(JsonElement element, ConversationText conversation, IReadOnlyList<TranscriptLine> lines)
    {
        if (element.ValueKind != JsonValueKind.Object || Cut(StringOf(element, "description") ?? StringOf(element, "task"), MaxMemoryChars) is not { } description)
        {
            return null;
        }

        var priority = StringOf(element, "priority")?.Trim().ToLowerInvariant();
        return new ExtractedActionItem(description, DueAt(StringOf(element, "due_at") ?? StringOf(element, "due_date"), conversation.Zone), LlmSources.For(description, lines))
        {
            Assignee = Cut(StringOf(element, "assignee"), MaxAssigneeChars),
            Priority = priority is "low" or "medium" or "high" ? priority : null,
        };
    }

    /// <summary>
    /// An ISO 8601 date-time, expressed in the conversation's time zone; one without an offset is
    /// taken as the conversation's local time. Anything else ("Friday", "10:00", "soon") is null:
    /// an undated item is better than a wrongly dated one.
    /// </summary>
    internal static DateTimeOffset? DueAt(string? text, TimeZoneInfo zone)
    {
        text = text?.Trim();
        if (text is null || text.Length < 10 || !char.IsAsciiDigit(text[0]) || text[4] != '-'
            || !DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed)
            || parsed.Year < 2000 || parsed.Year > 2200)
        {
            return null;
        }

        if (parsed.Kind == DateTimeKind.Unspecified)
        {
            return zone.IsInvalidTime(parsed) ? null : new DateTimeOffset(parsed, zone.GetUtcOffset(parsed));
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var withOffset) ? TimeZoneInfo.ConvertTime(withOffset, zone) : null;
    }

    /// <summary>At most six words, without the quotes and full stop models like to add.</summary>
    private static string? Title(string? text)
    {
        var words = Tidy(text)?.Trim('"', '\'', '.', ' ').Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words is null || words.Length == 0 ? null : Cut(string.Join(' ', words.Take(MaxTitleWords)), MaxTitleChars);
    }

    private static MemoryEvent? EventOf(JsonElement element) => StringOf(element, "event")?.Trim().ToUpperInvariant() switch
    {
        "ADD" => MemoryEvent.Add,
        "UPDATE" => MemoryEvent.Update,
        "DELETE" => MemoryEvent.Delete,
        "NONE" => MemoryEvent.None,
        _ => null,
    };

    /// <summary>The index a temporary id names ("0", 0, " 1 "), null when it names none of the offered ones.</summary>
    private static int? TemporaryId(JsonElement element, int count)
    {
        if (!element.TryGetProperty("id", out var id))
        {
            return null;
        }

        var text = id.ValueKind switch
        {
            JsonValueKind.String => id.GetString()?.Trim(),
            JsonValueKind.Number => id.GetRawText(),
            _ => null,
        };
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < count ? index : null;
    }

    private static List<JsonElement> ArrayOf(JsonElement root, string name, string alias) =>
        TryArray(root, name, out var array) || TryArray(root, alias, out array) ? [.. array.EnumerateArray()] : [];

    private static bool TryArray(JsonElement root, string name, out JsonElement array) =>
        root.TryGetProperty(name, out array) && array.ValueKind == JsonValueKind.Array;

    private static string? StringOf(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Whitespace (newlines, tabs, runs) as single spaces; null for blank text.</summary>
    private static string? Tidy(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var tidy = new StringBuilder(text.Length);
        foreach (var c in text.Trim())
        {
            if (!char.IsWhiteSpace(c))
            {
                tidy.Append(c);
            }
            else if (tidy[^1] != ' ')
            {
                tidy.Append(' ');
            }
        }

        return tidy.ToString();
    }

    /// <summary>Tidy text of at most <paramref name="max"/> characters, cut at a word where there is one.</summary>
    private static string? Cut(string? text, int max)
    {
        text = Tidy(text);
        if (text is null || text.Length <= max)
        {
            return text;
        }

        var space = text.LastIndexOf(' ', max - 1);
        return (space > max / 2 ? text[..space] : text[..(max - 1)]) + "…";
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
