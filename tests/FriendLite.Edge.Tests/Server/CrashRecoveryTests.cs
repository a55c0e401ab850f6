using System.Diagnostics;
using System.Globalization;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Tests.Server;

/// <summary>
/// A real <c>kill -9</c> of the server process (the build's own binary, with Whisper and the
/// fixtures' test model) while speech waits for transcription; the next start must transcribe
/// every segment, each exactly once.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class CrashRecoveryTests
{
    private static string Binary => Path.Combine(AppContext.BaseDirectory, "friendlite-edge");

    [Fact]
    public async Task Kill9_WithSegmentsQueuedForWhisper_NextStartTranscribesEverySegmentOnce()
    {
        using var dir = new TempDirectory();
        const int devices = 3;
        var samples = Fixtures.Samples("conversation-3utt.wav");
        var model = Fixtures.Path("ggml-tiny.en-for-tests.bin");
        var port = TestServer.FreePort();
        var tokens = new List<string>();
        var database = Database.Open(dir.Path);
        await using (var setup = await TestServer.StartAsync(dataDirectory: dir))
        {
            setup.KeepDataDirectory = true;
            for (var i = 0; i < devices; i++)
            {
                tokens.Add((await setup.CreateUserAsync($"user{i}@example.com")).Token);
            }
        }

        using (var server = StartProcess(port, dir.Path, model))
        {
            try
            {
                await WaitForHealthAsync(port);
                // Nine segments arrive within a second for one Whisper worker: most of them wait in the queue.
                await Task.WhenAll(tokens.Select(token => StreamAsync(port, token, samples)));
                await DeviceSupport.WaitUntilAsync(() => CountRows(database, "SELECT count(*) FROM transcript_segments;") < devices * 3
                    && CountRows(database, "SELECT count(*) FROM conversations WHERE state = 'closed';") == devices, "the devices' conversations to close with speech still untranscribed");
            }
            finally
            {
                server.Kill(); // SIGKILL: no drain, no cleanup
                await server.WaitForExitAsync();
            }
        }

        var before = CountRows(database, "SELECT count(*) FROM transcript_segments;");
        Assert.True(before < devices * 3, $"the kill came while {devices * 3 - before} segments were untranscribed");

        await using var restarted = await TestServer.StartAsync(dataDirectory: dir, configure: o => o with { ModelPath = model, Threads = 2 });
        restarted.KeepDataDirectory = true; // the using of dir deletes it
        await DeviceSupport.WaitUntilAsync(() => CountRows(database, "SELECT count(*) FROM transcript_segments;") == devices * 3, "every segment to be transcribed", TimeSpan.FromSeconds(120));
        await DeviceSupport.WaitUntilAsync(() => CountRows(database, "SELECT count(*) FROM jobs WHERE state NOT IN ('done');") == 0, "every job to be done");
        Assert.Equal(devices * 3, CountRows(database, "SELECT count(DISTINCT conversation_id || ':' || start_seconds) FROM transcript_segments;"));
    }

    [Fact]
    public async Task Row22_Kill9MidUtterance_NextStartRepairsTheWavKeepsEverySampleAndTranscribesWhatTheVadHadNotCut()
    {
        using var dir = new TempDirectory();
        var samples = Fixtures.Samples("conversation-3utt.wav");
        var utterances = EnergyVad.Detect(samples);
        var model = Fixtures.Path("ggml-tiny.en-for-tests.bin");
        var port = TestServer.FreePort();
        var database = Database.Open(dir.Path);
        string token;
        string userId;
        await using (var setup = await TestServer.StartAsync(dataDirectory: dir))
        {
            setup.KeepDataDirectory = true;
            (var user, token) = await setup.CreateUserAsync("ann@example.com");
            userId = user.Id;
        }

        var cut = 0;
        using (var server = StartProcess(port, dir.Path, model))
        {
            using var socket = new System.Net.WebSockets.ClientWebSocket();
            try
            {
                await WaitForHealthAsync(port);
                // The first utterance and half of the second; the device stays connected.
                cut = (int)(utterances[1].StartSample + ((utterances[1].EndSample - utterances[1].StartSample) / 2));
                await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/ws_pcm?token={token}"), CancellationToken.None);
                await SendAsync(socket, WyomingEvent.AudioStart, null);
                for (var offset = 0; offset < cut; offset += 3200)
                {
                    await SendAsync(socket, WyomingEvent.AudioChunk, System.Runtime.InteropServices.MemoryMarshal.AsBytes(samples.AsSpan(offset, Math.Min(3200, cut - offset))).ToArray());
                }

                await DeviceSupport.WaitUntilAsync(() => CountRows(database, "SELECT count(*) FROM transcript_segments;") == 1, "the first utterance to be transcribed");
                await Task.Delay(TimeSpan.FromSeconds(1.5)); // the WAV's header and data reach the file every second
            }
            finally
            {
                server.Kill();
                await server.WaitForExitAsync();
            }
        }

        await using var restarted = await TestServer.StartAsync(dataDirectory: dir, configure: o => o with { ModelPath = model, Threads = 2 });
        restarted.KeepDataDirectory = true;
        var baseline = Invariants.Take();

        // The conversation the kill left open is closed from its repaired WAV, with every sample the server had read.
        var conversation = Assert.Single(await DeviceSupport.ConversationsAsync(restarted, userId));
        Assert.Equal("closed", conversation.State);
        Assert.Equal(cut, conversation.SampleCount);
        Assert.Equal(samples[..cut], WavFile.Read(conversation.AudioPath!).Samples);
        await DeviceSupport.WaitUntilAsync(() => CountRows(database, "SELECT count(*) FROM transcript_segments;") == 2, "the cut-off utterance to be transcribed", TimeSpan.FromSeconds(60));
        var second = CountRows(database, "SELECT CAST(round(min(start_seconds) * 16000) AS INTEGER) FROM transcript_segments WHERE start_seconds > 0.5 + " + (utterances[0].EndSample / 16000.0).ToString(CultureInfo.InvariantCulture) + ";");
        Assert.InRange(second, utterances[1].StartSample - 8000, utterances[1].StartSample + 8000);
        // The transcript row is stored just before its job is recorded as done.
        await DeviceSupport.WaitUntilAsync(() => CountRows(database, "SELECT count(*) FROM jobs WHERE state <> 'done';") == 0, "every job to be done");
        await Invariants.AssertBackToAsync(baseline, restarted);
    }

    /// <summary>The build's own binary serving with Whisper on <paramref name="port"/>.</summary>
    private static Process StartProcess(int port, string dataDirectory, string model) => Process.Start(new ProcessStartInfo(Binary)
    {
        ArgumentList = { "serve", "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--data-dir", dataDirectory, "--model", model, "--threads", "2", "--log-level", "warn" },
        RedirectStandardError = true,
        UseShellExecute = false,
    })!;

    private static async Task SendAsync(System.Net.WebSockets.ClientWebSocket socket, string type, byte[]? payload)
    {
        var header = WyomingEvent.Serialize(type, type == WyomingEvent.AudioStop ? null : AudioFormat.Speech, null, payload?.Length ?? 0);
        await socket.SendAsync(header, System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
        if (payload is not null)
        {
            await socket.SendAsync(payload, System.Net.WebSockets.WebSocketMessageType.Binary, true, CancellationToken.None);
        }
    }

    private static async Task StreamAsync(int port, string token, short[] samples)
    {
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/ws_pcm?token={token}"), CancellationToken.None);
        await SendAsync(socket, WyomingEvent.AudioStart, null);
        for (var offset = 0; offset < samples.Length; offset += 3200)
        {
            var chunk = samples.AsSpan(offset, Math.Min(3200, samples.Length - offset));
            await SendAsync(socket, WyomingEvent.AudioChunk, System.Runtime.InteropServices.MemoryMarshal.AsBytes(chunk).ToArray());
        }

        await SendAsync(socket, WyomingEvent.AudioStop, null);
        await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
    }

    private static async Task WaitForHealthAsync(int port)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                using var response = await client.GetAsync($"http://127.0.0.1:{port}/health");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the server process did not answer /health");
            }

            await Task.Delay(50);
        }
    }

    private static long CountRows(Database database, string sql)
    {
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
