using System.Net.Http.Headers;
using System.Text.Json;
using FriendLite.Edge.Server;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Memory;

/// <summary>
/// The "done means", offline: <c>conversation-3utt.wav</c>, uploaded or streamed by a
/// device through a transcriber that hears its words, ends as an action item to call the dentist
/// due the coming Friday at 10:00, one to buy oat milk and coffee beans that a search for "oat milk"
/// finds, and a title; read through the REST API a client uses.
/// </summary>
public sealed class MemoriesEndToEndTests
{
    private static readonly TimeZoneInfo s_berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    private static ServerOptions Offline(ServerOptions options) => options with
    {
        Offline = true,
        Engine = ScriptedEngine.ForConversation3Utt,
        TimeZone = s_berlin,
        ExtractionPollInterval = TimeSpan.FromMilliseconds(50),
    };

    [Fact]
    public async Task Uploaded_Conversation3Utt_GivesTheDentistAndOatMilkItemsAndATitle()
    {
        await using var server = await TestServer.StartAsync(configure: Offline);
        var (_, token) = await server.CreateUserAsync("ann@example.com");
        using var client = server.ClientWithToken(token);
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(await File.ReadAllBytesAsync(Fixtures.Path("conversation-3utt.wav")));
        file.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        form.Add(file, "files", "conversation-3utt.wav");

        using var response = await client.PostAsync("/api/process-audio-files", form);
        using var uploaded = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var conversation = uploaded.RootElement.GetProperty("conversations")[0].GetProperty("conversation_id").GetString()!;

        await AssertExtractedAsync(server, client, conversation);
    }

    [Fact]
    public async Task Streamed_Conversation3Utt_GivesTheDentistAndOatMilkItemsAndATitle()
    {
        await using var server = await TestServer.StartAsync(configure: Offline);
        var (user, token) = await server.CreateUserAsync("ann@example.com");
        using var client = server.ClientWithToken(token);

        await DeviceSupport.StreamPcmAsync(server, token, Fixtures.Samples("conversation-3utt.wav"));
        var conversation = Assert.Single(await DeviceSupport.ClosedConversationsAsync(server, user.Id, 1)).Id;

        await AssertExtractedAsync(server, client, conversation);
    }

    private static async Task AssertExtractedAsync(TestServer server, HttpClient client, string conversation)
    {
        var job = await ExtractionJobTests.WaitForExtractionAsync(server, conversation);
        Assert.Equal("done", job.State);
        using var detail = JsonDocument.Parse(await client.GetStringAsync($"/api/conversations/{conversation}"));
        var startedAt = detail.RootElement.GetProperty("started_at").GetDateTimeOffset();
        var title = detail.RootElement.GetProperty("title").GetString();
        Assert.False(string.IsNullOrWhiteSpace(title));
        Assert.Contains("dentist", title, StringComparison.OrdinalIgnoreCase);

        using var items = JsonDocument.Parse(await client.GetStringAsync("/api/action-items?status=open"));
        var all = items.RootElement.GetProperty("action_items").EnumerateArray().ToList();
        var dentist = Assert.Single(all, i => i.GetProperty("description").GetString() == "Call the dentist");
        Assert.Equal(ComingFridayAtTen(startedAt), DateTimeOffset.Parse(dentist.GetProperty("due_date").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains(all, i => i.GetProperty("description").GetString() == "Buy oat milk and coffee beans");

        using var search = JsonDocument.Parse(await client.GetStringAsync("/api/memories/search?query=oat%20milk"));
        var best = search.RootElement.GetProperty("results")[0];
        Assert.Equal("Buy oat milk and coffee beans", best.GetProperty("memory").GetString());
        Assert.Equal("action_item", best.GetProperty("metadata").GetProperty("kind").GetString());
    }

    /// <summary>10:00 Berlin time on the first Friday after the conversation started there (today, when it is a Friday before ten).</summary>
    private static DateTimeOffset ComingFridayAtTen(DateTimeOffset startedAt)
    {
        var local = TimeZoneInfo.ConvertTime(startedAt, s_berlin);
        var day = local.Date;
        while (day.DayOfWeek != DayOfWeek.Friday || (day == local.Date && local.TimeOfDay >= TimeSpan.FromHours(10)))
        {
            day = day.AddDays(1);
        }

        var ten = day.AddHours(10);
        return new DateTimeOffset(ten, s_berlin.GetUtcOffset(ten));
    }
}
