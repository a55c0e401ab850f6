using FriendLite.Edge.Memory;
using FriendLite.Edge.Tests.Support;
using static FriendLite.Edge.Tests.Memory.LlmTestData;
using Answer = FriendLite.Edge.Tests.Support.FakeLlm.Answer;

namespace FriendLite.Edge.Tests.Memory;

/// <summary>What the client keeps of the model's extraction answers: the valid elements, bounded, with dates in the conversation's zone.</summary>
public sealed class LlmExtractionTests
{
    [Fact]
    public async Task ExtractAsync_GoodAnswer_GivesTitleSummaryMemoriesAndDatedItems()
    {
        await using var llm = FakeLlm.Start(Answer.Chat(DentistAnswer));
        using var client = Client(llm);

        var extraction = await client.ExtractAsync(Dentist, CancellationToken.None);

        Assert.Equal(ExtractionSource.Llm, extraction.Source);
        Assert.Equal("Dentist call and shopping", extraction.Title);
        Assert.Equal("The speakers planned a dentist call and the shopping.", extraction.Summary);
        var memory = Assert.Single(extraction.Memories);
        Assert.Equal("Likes green tea", memory.Text);
        Assert.Equal([102L], memory.Segments); // "I really like green tea"
        Assert.Equal(2, extraction.ActionItems.Count);
        var dentist = extraction.ActionItems[0];
        Assert.Equal(("Call the dentist", new DateTimeOffset(2025, 3, 14, 10, 0, 0, TimeSpan.FromHours(1))), (dentist.Description, dentist.DueAt));
        Assert.Equal(TimeSpan.FromHours(1), dentist.DueAt!.Value.Offset);
        Assert.Equal([100L], dentist.Segments);
        var shopping = extraction.ActionItems[1];
        Assert.Equal(("Buy oat milk and coffee beans", null, "speaker_b", "medium"), (shopping.Description, shopping.DueAt, shopping.Assignee, shopping.Priority));
    }

    [Fact]
    public async Task ExtractAsync_MalformedElements_AreDroppedAndTheValidOnesKept()
    {
        var tooLong = new string('x', 400);
        await using var llm = FakeLlm.Start(Answer.Chat($$"""
            {"title": "A very long title that goes on and on.",
             "summary": 42,
             "memories": ["Likes green tea", 42, "", "   ", null, {"text": "Sister Anna lives in Lyon"}, {"memory": "Has a cat named Mo"}, {"foo": 1}, ["nested"], "{{tooLong}}", "likes GREEN tea"],
             "action_items": [
               {"description": "Call the dentist", "due_at": "2025-03-14T10:00:00+01:00"},
               {"due_at": "2025-03-14T10:00:00+01:00"},
               "Buy milk",
               {"description": "  Buy oat milk  ", "due_at": "next Friday", "priority": "URGENT", "assignee": 7},
               {"description": "Send the report", "due_at": "2025-03-14T09:00:00Z", "priority": "High"},
               {"description": "Water the plants", "due_at": "2025-03-13T18:00:00"}]}
            """));
        using var client = Client(llm);

        var extraction = await client.ExtractAsync(Dentist, CancellationToken.None);

        Assert.Single(llm.Requests); // the answer was usable: not tried again
        Assert.Equal("A very long title that goes", extraction.Title);
        Assert.Null(extraction.Summary);
        Assert.Equal(["Likes green tea", "Sister Anna lives in Lyon", "Has a cat named Mo"], extraction.Memories.Select(m => m.Text));
        var plus1 = TimeSpan.FromHours(1);
        (string, DateTimeOffset?, string?, string?)[] expected =
        [
            ("Call the dentist", new DateTimeOffset(2025, 3, 14, 10, 0, 0, plus1), null, null),
            ("Buy oat milk", null, null, null),
            ("Send the report", new DateTimeOffset(2025, 3, 14, 10, 0, 0, plus1), null, "high"),
            ("Water the plants", new DateTimeOffset(2025, 3, 13, 18, 0, 0, plus1), null, null),
        ];
        Assert.Equal(
            expected,
            extraction.ActionItems.Select(i => (i.Description, i.DueAt, i.Assignee, i.Priority)));
    }

    [Theory]
    [InlineData("```json\n{\"title\": \"Fenced\", \"memories\": [\"Likes green tea\"]}\n```")]
    [InlineData("Here is the JSON you asked for:\n{\"title\": \"Fenced\", \"memories\": [\"Likes green tea\"]}\nLet me know if you need more.")]
    [InlineData("{\"title\": \"Fenced\", \"memories\": [\"Likes green tea\",]}\nThe format was {title, memories}.")]
    public async Task ExtractAsync_JsonInFencesOrAmongWords_IsRead(string content)
    {
        await using var llm = FakeLlm.Start(Answer.Chat(content));
        using var client = Client(llm);

        var extraction = await client.ExtractAsync(Dentist, CancellationToken.None);

        Assert.Equal("Fenced", extraction.Title);
        Assert.Equal("Likes green tea", Assert.Single(extraction.Memories).Text);
    }

    [Fact]
    public async Task ExtractAsync_EmptyObject_IsAnEmptyExtraction_NotAFailure()
    {
        await using var llm = FakeLlm.Start(Answer.Chat("{}"));
        using var client = Client(llm);

        var extraction = await client.ExtractAsync(Dentist, CancellationToken.None);

        Assert.Single(llm.Requests);
        Assert.Equal((null, null, 0, 0), (extraction.Title, extraction.Summary, extraction.Memories.Count, extraction.ActionItems.Count));
    }

    [Fact]
    public async Task ExtractAsync_TooManyElements_KeepsTwenty()
    {
        var memories = string.Join(',', Enumerable.Range(1, 30).Select(i => $"\"Fact number {i}\""));
        await using var llm = FakeLlm.Start(Answer.Chat($$"""{"memories": [{{memories}}]}"""));
        using var client = Client(llm);

        var extraction = await client.ExtractAsync(Dentist, CancellationToken.None);

        Assert.Equal(20, extraction.Memories.Count);
        Assert.Equal("Fact number 20", extraction.Memories[^1].Text);
    }

    [Fact]
    public async Task ExtractAsync_ConversationWithoutWords_MakesNoCall()
    {
        await using var llm = FakeLlm.Start(Answer.Chat(DentistAnswer));
        using var client = Client(llm);

        var extraction = await client.ExtractAsync(Conversation("  ", ""), CancellationToken.None);

        Assert.Empty(llm.Requests);
        Assert.Empty(extraction.Memories);
    }

    [Fact]
    public async Task ExtractAsync_TranscriptLongerThanMaxChars_IsSentInParts_AndTheAnswersMerged()
    {
        var lines = Enumerable.Range(0, 30).Select(i => $"Sentence {i} of a long meeting about the garden, the budget and the holidays.").ToArray();
        await using var llm = FakeLlm.Start(request => Answer.Chat(request.UserPrompt.Contains("part 1 of", StringComparison.Ordinal)
            ? """{"title": "Garden meeting", "summary": "First part.", "memories": ["Has a garden"], "action_items": [{"description": "Buy seeds"}]}"""
            : """{"title": "Later title", "memories": ["has a garden", "Plans holidays in May"], "action_items": [{"description": "Buy seeds"}, {"description": "Book the ferry"}]}"""));
        using var client = Client(llm, maxChars: 1000);

        var extraction = await client.ExtractAsync(Conversation(lines), CancellationToken.None);

        var requests = llm.Requests;
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.True(r.UserPrompt.Length < 1000 + 400, "each part's transcript stays within --llm-max-chars"));
        Assert.Equal(lines.Length, requests.Sum(r => r.UserPrompt.Split('\n').Count(l => l.StartsWith("speaker_", StringComparison.Ordinal))));
        Assert.Contains("part 3 of 3", requests[2].UserPrompt, StringComparison.Ordinal);
        Assert.Equal(("Garden meeting", "First part."), (extraction.Title, extraction.Summary));
        Assert.Equal(["Has a garden", "Plans holidays in May"], extraction.Memories.Select(m => m.Text));
        Assert.Equal(["Buy seeds", "Book the ferry"], extraction.ActionItems.Select(i => i.Description));
    }

    [Fact]
    public async Task ExtractAsync_KnownFacts_AreListedForTheModelNotToRepeat()
    {
        await using var llm = FakeLlm.Start(Answer.Chat(DentistAnswer));
        using var client = Client(llm);

        await client.ExtractAsync(Dentist, ["Likes green tea", "  "], CancellationToken.None);

        Assert.Contains("Already known:\n- Likes green tea\n\nTranscript:", Assert.Single(llm.Requests).UserPrompt, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2025-03-14T10:00:00+01:00", "2025-03-14T10:00:00+01:00")]
    [InlineData("2025-03-14T10:00:00", "2025-03-14T10:00:00+01:00")] // no offset: the conversation's local time
    [InlineData("2025-03-14T09:00:00Z", "2025-03-14T10:00:00+01:00")] // another offset: the same moment, in the conversation's zone
    [InlineData("2025-03-14 10:00", "2025-03-14T10:00:00+01:00")]
    [InlineData("2025-03-14", "2025-03-14T00:00:00+01:00")]
    [InlineData("Friday at ten", null)]
    [InlineData("10:00", null)] // a time without a day would be read as the test machine's today
    [InlineData("2025-13-40T10:00:00", null)]
    [InlineData("1970-01-01T00:00:00Z", null)]
    [InlineData("", null)]
    public void DueAt_IsoDateTimes_AreReadInTheConversationsZone_OthersAreNull(string text, string? expected)
    {
        var due = LlmAnswers.DueAt(text, Zone);

        Assert.Equal(expected, due?.ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture));
    }
}
