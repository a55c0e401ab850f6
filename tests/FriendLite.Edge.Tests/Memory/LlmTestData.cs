using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Memory;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Memory;

/// <summary>The conversations and client settings the LLM client's tests share: short timeouts and backoffs, a fixed clock and zone.</summary>
internal static class LlmTestData
{
    /// <summary>UTC+01:00 all year, so the expected local times do not depend on the machine's time zone data.</summary>
    public static TimeZoneInfo Zone { get; } = TimeZoneInfo.CreateCustomTimeZone("Test/Plus1", TimeSpan.FromHours(1), "Test/Plus1", "Test/Plus1");

    /// <summary>Wednesday 12 March 2025, 10:30 local (09:30 UTC).</summary>
    public static DateTimeOffset Start { get; } = new(2025, 3, 12, 9, 30, 0, TimeSpan.Zero);

    public static ConversationText Conversation(params string[] lines) =>
        new("conv-1", "user-1", Start, Zone, [.. lines.Select((text, i) => new TranscriptLine(100 + i, i % 2 == 0 ? "speaker_a" : "speaker_b", text, i * 5, (i * 5) + 4))]);

    public static ConversationText Dentist { get; } = Conversation(
        "Remind me to call the dentist on Friday at ten.",
        "Sure. Do we still need oat milk?",
        "Yes, buy oat milk and coffee beans. I really like green tea, but the beans are for guests.");

    public static LlmClient Client(FakeLlm llm, string? key = null, TimeSpan? timeout = null, int attempts = 3, int breakerThreshold = 100, TimeProvider? time = null, int maxChars = 24_000) =>
        new(new LlmOptions(llm.Url, "test-model")
        {
            ApiKey = key,
            Timeout = timeout ?? TimeSpan.FromSeconds(20),
            Attempts = attempts,
            Backoff = [TimeSpan.FromMilliseconds(20)],
            BreakerThreshold = breakerThreshold,
            MaxChars = maxChars,
        }, Log.Null, time);

    /// <summary>A good extraction answer for <see cref="Dentist"/>.</summary>
    public const string DentistAnswer = """
        {"title": "Dentist call and shopping",
         "summary": "The speakers planned a dentist call and the shopping.",
         "memories": ["Likes green tea"],
         "action_items": [
           {"description": "Call the dentist", "due_at": "2025-03-14T10:00:00+01:00", "assignee": null, "priority": null},
           {"description": "Buy oat milk and coffee beans", "due_at": null, "assignee": "speaker_b", "priority": "medium"}]}
        """;
}
