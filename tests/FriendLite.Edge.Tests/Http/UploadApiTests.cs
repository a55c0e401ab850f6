using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Tests.Http;

/// <summary>Recordings uploaded to <c>POST /api/process-audio-files</c> become conversations processed as a device's are.</summary>
public sealed class UploadApiTests
{
    [Fact]
    public async Task Upload_Conversation3Utt_BecomesAClosedConversationWhoseSpeechIsTranscribedByJobs()
    {
        var engine = ScriptedEngine.ForConversation3Utt();
        await using var server = await TestServer.StartAsync(configure: o => o with { Engine = () => engine });
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        using var client = server.ClientWithToken(token);

        using var response = await client.PostAsync("/api/process-audio-files", Form(("conversation-3utt.wav", await File.ReadAllBytesAsync(Fixtures.Path("conversation-3utt.wav")))));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal((1, 0), (body.RootElement.GetProperty("successful").GetInt32(), body.RootElement.GetProperty("failed").GetInt32()));
        var file = Assert.Single(body.RootElement.GetProperty("files").EnumerateArray());
        Assert.Equal(("processed", 16000, 1), (file.GetProperty("status").GetString(), file.GetProperty("sample_rate").GetInt32(), file.GetProperty("channels").GetInt32()));
        var listed = Assert.Single(body.RootElement.GetProperty("conversations").EnumerateArray());
        Assert.Equal($"{ann.Id[^6..]}-upload", listed.GetProperty("client_id").GetString());
        var id = listed.GetProperty("conversation_id").GetString()!;

        var conversation = (await new ConversationStore(server.Server.Database).FindAsync(id, default))!;
        Assert.Equal((ann.Id, "closed"), (conversation.UserId, conversation.State));
        Assert.Equal(Fixtures.Samples("conversation-3utt.wav"), WavFile.Read(conversation.AudioPath!).Samples);
        var jobs = await ConversationSeed.JobsOfAsync(server, id);
        Assert.Contains(jobs, j => j.Kind == ConversationStore.ExtractJobKind);
        Assert.Equal(3, jobs.Count(j => j.Kind == TranscriptionScheduler.JobKind));
        Assert.Equal(3, listed.GetProperty("transcription_jobs").GetInt32());

        var texts = await ConversationSeed.UntilAsync(async () => (await new TranscriptStore(server.Server.Database).ListAsync(id, default)).ToList(),
            t => t.Count == 3, "the uploaded conversation's three segments transcribed");
        Assert.Equal(ScriptedEngine.Conversation3UttSentences, texts.Select(t => t.Text));
        foreach (var ((start, end), row) in engine.UtteranceSamples.Zip(texts))
        {
            Assert.True(row.Start <= start / 16000.0 && row.End >= end / 16000.0, $"segment {row.Start}-{row.End} s does not cover the utterance at {start / 16000.0}-{end / 16000.0} s");
        }
    }

    [Fact]
    public async Task Upload_Stereo44kFloatWav_IsStoredAsTheServers16kMonoWav_WithItsSpeechFound()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { Engine = () => new UnloadedEngine("test: jobs stay pending") });
        var (_, token) = await server.CreateUserAsync("ann@example.com");
        using var client = server.ClientWithToken(token);
        var speech = Fixtures.Samples("conversation-3utt.wav");

        using var response = await client.PostAsync("/api/process-audio-files?device_name=Kitchen", Form(("stereo.wav", StereoFloat44k(speech))));

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var file = Assert.Single(body.RootElement.GetProperty("files").EnumerateArray());
        Assert.Equal(("processed", 44100, 2), (file.GetProperty("status").GetString(), file.GetProperty("sample_rate").GetInt32(), file.GetProperty("channels").GetInt32()));
        Assert.Equal(speech.Length / 16000.0, file.GetProperty("duration_seconds").GetDouble(), 0.05);
        Assert.EndsWith("-kitchen", file.GetProperty("client_id").GetString(), StringComparison.Ordinal);
        var conversation = (await new ConversationStore(server.Server.Database).FindAsync(file.GetProperty("conversation_id").GetString()!, default))!;
        var (format, stored) = WavFile.Read(conversation.AudioPath!);
        Assert.Equal(AudioFormat.Speech, format);
        Assert.InRange(stored.Length, speech.Length - 400, speech.Length + 50);
        var jobs = await ConversationSeed.JobsOfAsync(server, conversation.Id);
        Assert.Equal(3, jobs.Count(j => j.Kind == TranscriptionScheduler.JobKind && j.State == "pending"));
    }

    [Fact]
    public async Task Upload_NonWavAndBrokenWavBesideAGoodOne_GetTheirOwnErrors_AndTheGoodOneGoesThrough()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        using var client = server.ClientWithToken(token);
        var broken = Encoding.ASCII.GetBytes("RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0");

        using var response = await client.PostAsync("/api/process-audio-files",
            Form(("notes.txt", "remember the milk"u8.ToArray()), ("broken.wav", broken), ("jfk.wav", await File.ReadAllBytesAsync(Fixtures.Path("jfk.wav")))));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var files = body.RootElement.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(["error", "error", "processed"], files.Select(f => f.GetProperty("status").GetString()));
        Assert.StartsWith("The audio file notes.txt is not a WAV file", files[0].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("The audio file broken.wav has", files[1].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal((1, 2), (body.RootElement.GetProperty("successful").GetInt32(), body.RootElement.GetProperty("failed").GetInt32()));
        Assert.Equal(11.0, files[2].GetProperty("duration_seconds").GetDouble(), 0.01);
        Assert.Single(await new ConversationStore(server.Server.Database).ListAsync(ann.Id, 10, default));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.Server.Options.DataDirectory, "uploads")));
    }

    [Fact]
    public async Task Upload_OfFiftyMegabytes_PassesTheConnectionGate()
    {
        await using var server = await TestServer.StartAsync();
        var (_, token) = await server.CreateUserAsync("ann@example.com");
        using var client = server.ClientWithToken(token);
        client.Timeout = TimeSpan.FromMinutes(2);
        const int samples = 25 * 1024 * 1024;
        var wav = new byte[WavWriter.HeaderBytes + (samples * 2L)];
        WavFile.WriteHeader(wav, 16000, samples * 2L);

        using var response = await client.PostAsync("/api/process-audio-files", Form(("long.wav", wav)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var file = Assert.Single(body.RootElement.GetProperty("files").EnumerateArray());
        Assert.Equal(samples / 16000.0, file.GetProperty("duration_seconds").GetDouble(), 0.01);
        Assert.Equal(wav.Length, file.GetProperty("size_bytes").GetInt64());
    }

    [Fact]
    public async Task Upload_LargerThanMaxUploadSize_Is413BeforeTheBodyIsRead()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { MaxUploadSize = 1024 * 1024 });
        var (ann, token) = await server.CreateUserAsync("ann@example.com");

        var answer = await RawHttp.SendAsync(server.Port, "POST /api/process-audio-files HTTP/1.1\r\nHost: x\r\n" + $"Authorization: Bearer {token}\r\n"
            + "Content-Type: multipart/form-data; boundary=B\r\nContent-Length: 2097152\r\n\r\n--B\r\n");

        Assert.Equal(413, answer.Status);
        Assert.Contains("This upload of 2 MiB is larger than the 1 MiB the server accepts (--max-upload-size).", answer.Body, StringComparison.Ordinal);
        Assert.Empty(await new ConversationStore(server.Server.Database).ListAsync(ann.Id, 10, default));
    }

    [Fact]
    public async Task Upload_ThatWouldTakeTheDiskBelowMinFreeDisk_Is507_AndCreatesNothing()
    {
        const long MiB = 1024 * 1024;
        await using var server = await TestServer.StartAsync(configure: o => o with
        {
            MinFreeDisk = MinFreeDisk.Parse("100M"),
            FreeSpace = _ => new DiskUsage((100 * MiB) + (MiB / 2), 1000 * MiB), // half a MiB to spare; the upload and its copy need 0.7
        });
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        using var client = server.ClientWithToken(token);

        using var response = await client.PostAsync("/api/process-audio-files", Form(("jfk.wav", await File.ReadAllBytesAsync(Fixtures.Path("jfk.wav")))));

        Assert.Equal(HttpStatusCode.InsufficientStorage, response.StatusCode);
        Assert.Contains("MiB to spare above --min-free-disk", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await new ConversationStore(server.Server.Database).ListAsync(ann.Id, 10, default));
    }

    [Fact]
    public async Task Upload_ChunkedPastWhatTheGateDecodes_Is413SayingToSendALength()
    {
        await using var server = await TestServer.StartAsync();
        var (_, token) = await server.CreateUserAsync("ann@example.com");

        var answer = await RawHttp.SendAsync(server.Port, "POST /api/process-audio-files HTTP/1.1\r\nHost: x\r\n" + $"Authorization: Bearer {token}\r\n"
            + "Content-Type: multipart/form-data; boundary=B\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n--B\r\n");

        Assert.Equal(413, answer.Status);
        Assert.Contains("send larger bodies with a Content-Length", answer.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_MalformedOrEmptyOrNotMultipart_IsRefusedInWords_AndCreatesNothing()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        using var client = server.ClientWithToken(token);
        var jfk = await File.ReadAllBytesAsync(Fixtures.Path("jfk.wav"));
        var unterminated = new ByteArrayContent([.. "--B\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.wav\"\r\n\r\n"u8, .. jfk]);
        unterminated.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=B");

        using var malformed = await client.PostAsync("/api/process-audio-files", unterminated);
        using var noFiles = await client.PostAsync("/api/process-audio-files", new MultipartFormDataContent { { new StringContent("kitchen"), "device_name" } });
        using var json = await client.PostAsync("/api/process-audio-files", new StringContent("{}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("ended before its closing boundary", await malformed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, noFiles.StatusCode);
        Assert.Contains("has no files", await noFiles.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        Assert.Empty(await new ConversationStore(server.Server.Database).ListAsync(ann.Id, 10, default));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.Server.Options.DataDirectory, "uploads")));
    }

    [Fact]
    public async Task Upload_IsTheUploadersAlone_AndNeedsASignedInUser()
    {
        await using var server = await TestServer.StartAsync();
        var (_, annToken) = await server.CreateUserAsync("ann@example.com");
        var (_, bobToken) = await server.CreateUserAsync("bob@example.com");
        using var ann = server.ClientWithToken(annToken);
        using var bob = server.ClientWithToken(bobToken);
        var jfk = await File.ReadAllBytesAsync(Fixtures.Path("jfk.wav"));

        using var anonymous = await server.Client.PostAsync("/api/process-audio-files", Form(("jfk.wav", jfk)));
        using var uploaded = await ann.PostAsync("/api/process-audio-files", Form(("jfk.wav", jfk)));
        using var body = JsonDocument.Parse(await uploaded.Content.ReadAsStringAsync());
        var id = body.RootElement.GetProperty("conversations")[0].GetProperty("conversation_id").GetString();
        using var bobsView = await bob.GetAsync($"/api/conversations/{id}");
        using var bobsAudio = await bob.GetAsync($"/audio/{id}.wav");
        using var bobsList = JsonDocument.Parse(await bob.GetStringAsync("/api/conversations?flat=true"));
        using var annsView = await ann.GetAsync($"/api/conversations/{id}");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, bobsView.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, bobsAudio.StatusCode);
        Assert.Equal(0, bobsList.RootElement.GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.OK, annsView.StatusCode);
    }

    private static MultipartFormDataContent Form(params (string Name, byte[] Bytes)[] files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, bytes) in files)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
            form.Add(part, "files", name);
        }

        return form;
    }

    /// <summary>The 16 kHz speech as a 44.1 kHz stereo 32-bit float WAV (linear interpolation; both channels alike).</summary>
    private static byte[] StereoFloat44k(short[] speech)
    {
        var frames = (int)(speech.Length * 44100L / 16000);
        using var wav = new MemoryStream();
        using var writer = new BinaryWriter(wav);
        writer.Write("RIFF"u8);
        writer.Write(36 + (frames * 8));
        writer.Write("WAVEfmt "u8);
        writer.Write(16);
        writer.Write((short)3);
        writer.Write((short)2);
        writer.Write(44100);
        writer.Write(44100 * 8);
        writer.Write((short)8);
        writer.Write((short)32);
        writer.Write("data"u8);
        writer.Write(frames * 8);
        for (var i = 0; i < frames; i++)
        {
            var at = i * 16000.0 / 44100;
            var left = (int)at;
            var right = Math.Min(left + 1, speech.Length - 1);
            var value = (float)((speech[left] + ((speech[right] - speech[left]) * (at - left))) / 32768.0);
            writer.Write(value);
            writer.Write(value);
        }

        writer.Flush();
        return wav.ToArray();
    }
}
