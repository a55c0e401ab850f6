using FriendLite.Edge.Audio;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Tests.Support;

/// <summary>Waiting for and reading what device sessions leave behind.</summary>
internal static class DeviceSupport
{
    /// <summary>One device session on /ws_pcm: audio-start, the samples as 16 kHz PCM, audio-stop, close.</summary>
    public static async Task StreamPcmAsync(TestServer server, string token, short[] samples)
    {
        await using var device = await DeviceClient.ConnectAsync(server, "/ws_pcm", token);
        await device.SendEventAsync(WyomingEvent.AudioStart, AudioFormat.Speech);
        await device.SendPcmAsync(samples, AudioFormat.Speech);
        await device.SendEventAsync(WyomingEvent.AudioStop);
        await device.CloseAsync();
    }

    /// <summary>Waits until a conversation has at least <paramref name="count"/> transcript rows.</summary>
    public static Task<IReadOnlyList<TranscriptRow>> TranscriptRowsAsync(TestServer server, string conversationId, int count, TimeSpan? timeout = null) =>
        WaitForAsync(async () =>
        {
            var found = await new TranscriptStore(server.Server.Database).ListAsync(conversationId, default);
            return found.Count >= count ? found : null;
        }, $"{count} transcript rows", timeout);

    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            await Task.Delay(10);
        }
    }

    public static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? timeout = null) where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Every conversation row of a user, oldest first.</summary>
    public static async Task<List<ConversationRow>> ConversationsAsync(TestServer server, string userId)
    {
        await using var connection = await server.Server.Database.OpenConnectionAsync(default);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM conversations WHERE user_id = $user ORDER BY started_at, rowid;";
        command.Parameters.AddWithValue("$user", userId);
        var ids = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                ids.Add(reader.GetString(0));
            }
        }

        var store = new ConversationStore(server.Server.Database);
        var rows = new List<ConversationRow>();
        foreach (var id in ids)
        {
            rows.Add((await store.FindAsync(id, default))!);
        }

        return rows;
    }

    /// <summary>Waits until the user has <paramref name="count"/> conversations and none is open.</summary>
    public static async Task<List<ConversationRow>> ClosedConversationsAsync(TestServer server, string userId, int count)
    {
        List<ConversationRow>? last = null;
        try
        {
            return await WaitForAsync(async () =>
            {
                last = await ConversationsAsync(server, userId);
                return last.Count == count && last.All(c => c.State != "open") ? last : null;
            }, $"{count} closed conversations");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} Had: {string.Join(", ", last?.Select(c => c.State) ?? [])}", ex);
        }
    }

    /// <summary>Waits until no device session is registered and no session group is alive.</summary>
    public static Task WaitForNoSessionsAsync(TestServer server) =>
        WaitUntilAsync(() => server.Server.Sessions.Count == 0 && server.Server.Snapshot().Groups.All(g => g.Groups.Count == 0), "all sessions to end");
}
