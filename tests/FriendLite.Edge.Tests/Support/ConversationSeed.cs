using FriendLite.Edge.Audio;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Tests.Support;

/// <summary>Conversations put straight into a test server's data, as a device session would have left them.</summary>
internal static class ConversationSeed
{
    /// <summary>
    /// A conversation of <paramref name="userId"/> whose audio is <paramref name="samples"/> (16 kHz
    /// mono) in its WAV under the data directory; closed unless <paramref name="open"/>, as if its
    /// extraction had already run: no extraction job is queued, so the server's extraction worker
    /// leaves what a test writes alone.
    /// </summary>
    public static async Task<ConversationRow> AddAsync(TestServer server, string userId, short[] samples, bool open = false, string clientId = "seeded-pendant",
        DateTimeOffset? started = null)
    {
        var store = new ConversationStore(server.Server.Database);
        var id = Guid.NewGuid().ToString("N");
        var start = started ?? DateTimeOffset.UtcNow.AddMinutes(-10);
        var path = ConversationStore.AudioPath(server.Server.Options.DataDirectory, id, start);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        WavFile.Write(path, samples);
        await store.CreateAsync(new ConversationRow(id, userId, clientId, start, null, path, 16000, 0, "open"), default);
        if (!open)
        {
            await using var connection = await server.Server.Database.OpenConnectionAsync(default);
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE conversations SET state = 'closed', ended_at = $ended, sample_count = $samples WHERE id = $id;";
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$ended", start.AddSeconds(samples.Length / 16000.0).ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$samples", samples.Length);
            await command.ExecuteNonQueryAsync();
        }

        return (await store.FindAsync(id, default))!;
    }

    /// <summary>The fixture <c>conversation-3utt.wav</c> as a closed conversation.</summary>
    public static Task<ConversationRow> ThreeUtterancesAsync(TestServer server, string userId, bool open = false) =>
        AddAsync(server, userId, Fixtures.Samples("conversation-3utt.wav"), open);

    /// <summary>The jobs that name <paramref name="conversationId"/>, of every kind and state.</summary>
    public static async Task<List<JobInfo>> JobsOfAsync(TestServer server, string conversationId) =>
        [.. (await server.Server.Jobs.ListAsync(null, null, 10_000, default)).Where(j => j.ConversationId == conversationId)];

    /// <summary>Polls until <paramref name="done"/> holds (or fails after 20 s with <paramref name="what"/>).</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }
}
