using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FriendLite.Edge.Memory;

/// <summary>
/// Every word the LLM is told, in one place, so what it reads can be reviewed (and quoted) as a
/// whole. Two calls: <see cref="ExtractionSystem"/> turns one conversation into a title, a summary,
/// memories and action items; <see cref="ConsolidationSystem"/> decides what the new memories do to
/// the most similar stored ones. The answers are parsed by <see cref="LlmAnswers"/>, which trusts
/// none of these rules to have been followed.
/// </summary>
internal static class LlmPrompts
{
    public const string ExtractionSystem = """
        You turn the transcript of one conversation, recorded by a wearable microphone, into notes the wearer will want to find again.
        Answer with one JSON object and nothing else, in exactly this shape:
        {"title": "...", "summary": "...", "memories": ["..."], "action_items": [{"description": "...", "due_at": "..." or null, "assignee": "..." or null, "priority": "low" or "medium" or "high" or null}]}

        title: at most 6 words naming what the conversation was about.
        summary: one sentence saying what was discussed or decided.
        memories: short standalone facts worth remembering in a month: preferences, people and their relationships, names, places, health, work, possessions, lasting plans.
        - Each is at most 15 words, is about the wearer as "User", and makes sense without the transcript ("User likes green tea with honey", "User's sister Anna lives in Lyon").
        - At most 3. An empty list is the right answer for most conversations: small talk, greetings, the weather and passing remarks are not memories.
        - No relative dates or times ("tomorrow", "on Friday", "next week"): anything tied to a date is an action item, not a memory.
        - Do not repeat a fact listed under "Already known".
        action_items: things someone committed to or was asked to do ("remind me to", "I need to", "don't forget", "please buy", "let's").
        - description starts with a verb and says what to do ("Call the dentist", "Buy oat milk and coffee beans").
        - due_at: when it is due, in ISO 8601 with the UTC offset of the conversation's start (e.g. 2025-03-14T10:00:00+01:00), resolved against the start time given with the transcript: "Friday at ten" is the first Friday at 10:00 after the start, "tomorrow morning" is 09:00 the next day, "tonight" is 20:00 the same day. null when no day or time was said.
        - assignee: who should do it, when that is someone other than the speaker who said it; else null.
        - priority: only when it was said or is obvious (urgent, important); else null.
        - An empty list when nobody committed to or asked for anything.
        Use only what the transcript says; never invent names, dates or facts. Write in the language of the transcript.
        """;

    public const string ConsolidationSystem = """
        You keep a person's memory store up to date. You are given existing memories, each with an id, and new facts from a conversation that just ended.
        For every existing memory and every new fact, choose one event:
        - ADD: the new fact is about something no existing memory covers. Give "id": null and the fact as "text".
        - UPDATE: the new fact adds detail to or changes an existing memory about the same thing ("User likes tea" and the new fact "User likes green tea with honey"). Give the existing memory's id and, as "text", the merged memory in at most 15 words.
        - DELETE: only when a new fact explicitly negates or retracts an existing memory ("I no longer like tea", "I sold my car", "we broke up"). Give the existing memory's id. A fact that is merely different or newer is not a negation; the negating fact itself is not added.
        - NONE: the existing memory stays as it is, or the new fact says the same thing as an existing memory. Give the existing memory's id.
        Use only the ids given for existing memories, and each at most once; never make up an id.
        Answer with one JSON object and nothing else, in exactly this shape:
        {"memory": [{"id": "0", "text": "...", "event": "ADD" or "UPDATE" or "DELETE" or "NONE"}]}
        """;

    /// <summary>The extraction call's user message: the start time the dates are resolved against, then the transcript as <c>speaker: text</c> lines.</summary>
    public static string ExtractionUser(ConversationText conversation, string transcript, int part, int parts, IReadOnlyList<string> known)
    {
        var text = new StringBuilder();
        text.Append("The conversation started on ").Append(StartTime(conversation)).Append(".\n");
        if (parts > 1)
        {
            text.Append(CultureInfo.InvariantCulture, $"This is part {part} of {parts} of a long conversation; answer for this part only.\n");
        }

        if (known.Count > 0)
        {
            text.Append("\nAlready known:\n");
            foreach (var fact in known)
            {
                text.Append("- ").Append(fact).Append('\n');
            }
        }

        return text.Append("\nTranscript:\n").Append(transcript).ToString();
    }

    /// <summary>The consolidation call's user message: existing memories under temporary ids, then the new facts, both as JSON.</summary>
    public static string ConsolidationUser(IReadOnlyList<ConsolidationMemory> existing, IReadOnlyList<string> newFacts) =>
        $"Existing memories:\n{JsonSerializer.Serialize(existing.ToList(), LlmJsonContext.Readable.ListConsolidationMemory)}\n\n" +
        $"New facts:\n{JsonSerializer.Serialize(newFacts.ToList(), LlmJsonContext.Readable.ListString)}";

    /// <summary>
    /// "Friday 14 March 2025 at 09:30 (2025-03-14T09:30:00+01:00, time zone Europe/Berlin)": the
    /// weekday spelled out, so "Friday at ten" has one answer, and the ISO form whose offset due_at copies.
    /// </summary>
    public static string StartTime(ConversationText conversation)
    {
        var local = conversation.LocalStart;
        return string.Create(CultureInfo.InvariantCulture, $"{local:dddd d MMMM yyyy} at {local:HH:mm} ({local:yyyy-MM-dd'T'HH:mm:sszzz}, time zone {conversation.Zone.Id})");
    }
}
