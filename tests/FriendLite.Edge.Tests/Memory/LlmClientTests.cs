using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using FriendLite.Edge.Memory;
using FriendLite.Edge.Tests.Support;
using static FriendLite.Edge.Tests.Memory.LlmTestData;
using Answer = FriendLite.Edge.Tests.Support.FakeLlm.Answer;

namespace FriendLite.Edge.Tests.Memory;

/// <summary>The LLM client's conversation with an OpenAI-compatible server: what it sends, and what it does when the server fails.</summary>
public sealed class LlmClientTests
{
    /// <summary>A hang guard, not a speed assertion: a call that should end has ended well before this.</summary>
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ExtractAsync_OneConversation_SendsOneJsonModeRequestWithTheStartTimeAndSpeakerLines()
    {
        await using var llm = FakeLlm.Start(Answer.Chat(DentistAnswer));
        using var client = Client(llm);

        await client.ExtractAsync(Dentist, CancellationToken.None);

        var request = Assert.Single(llm.Requests);
        Assert.Equal(("POST", "/v1/chat/completions"), (request.Method, request.Path));
        var json = request.Json;
        Assert.Equal("test-model", json.GetProperty("model").GetString());
        Assert.Equal(0.1, json.GetProperty("temperature").GetDouble());
        Assert.Equal("json_object", json.GetProperty("response_format").GetProperty("type").GetString());
        Assert.Equal(["system", "user"], json.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        Assert.Equal(LlmPrompts.ExtractionSystem, request.SystemPrompt);
        Assert.Contains("Wednesday 12 March 2025 at 10:30 (2025-03-12T10:30:00+01:00", request.UserPrompt, StringComparison.Ordinal);
        Assert.Contains("\nspeaker_a: Remind me to call the dentist on Friday at ten.\nspeaker_b: Sure. Do we still need oat milk?\n", request.UserPrompt, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("sk-test-123")]
    public async Task ExtractAsync_ApiKey_IsSentAsBearerOnlyWhenSet(string? key)
    {
        await using var llm = FakeLlm.Start(Answer.Chat(DentistAnswer));
        using var client = Client(llm, key);

        await client.ExtractAsync(Dentist, CancellationToken.None);

        var headers = Assert.Single(llm.Requests).Headers;
        Assert.Equal(key is null ? null : $"Bearer {key}", headers.GetValueOrDefault("Authorization"));
    }

    [Theory]
    [InlineData("http://llm.lan:11434")]
    [InlineData("http://llm.lan:11434/")]
    [InlineData("http://llm.lan:11434/v1")]
    [InlineData("http://llm.lan:11434/v1/")]
    [InlineData("http://llm.lan:11434/v1/chat/completions")]
    public void ChatEndpoint_BaseUrlWithOrWithoutV1_NamesTheSameEndpoint(string url)
    {
        Assert.Equal("http://llm.lan:11434/v1/chat/completions", LlmOptions.ChatEndpoint(url).ToString());
    }

    [Theory]
    [InlineData("llm.lan:11434")]
    [InlineData("ftp://llm.lan/")]
    [InlineData("not a url")]
    public void ChatEndpoint_NotAnHttpUrl_IsRefusedWithAnExample(string url)
    {
        var thrown = Assert.Throws<ArgumentException>(() => LlmOptions.ChatEndpoint(url));

        Assert.Contains("http://localhost:11434", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExtractAsync_ContentThatIsNotJson_IsTriedAgainThenFailsSayingSo()
    {
        await using var llm = FakeLlm.Start(Answer.Chat("Sure! The speakers talk about a dentist."), Answer.Chat("I cannot answer in JSON."), Answer.Chat("No."));
        using var client = Client(llm, attempts: 3);

        var thrown = await Assert.ThrowsAsync<LlmException>(() => client.ExtractAsync(Dentist, CancellationToken.None));

        Assert.Equal(3, llm.Requests.Count);
        Assert.True(thrown.Transient);
        Assert.Contains("without usable JSON", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExtractAsync_ServerErrorsThenAnAnswer_IsTriedAgainAndSucceeds()
    {
        await using var llm = FakeLlm.Start(Answer.Status(500, """{"error":"model is loading"}"""), Answer.Status(503), Answer.Chat(DentistAnswer));
        using var client = Client(llm, attempts: 3);

        var extraction = await client.ExtractAsync(Dentist, CancellationToken.None);

        Assert.Equal(3, llm.Requests.Count);
        Assert.Equal("Dentist call and shopping", extraction.Title);
    }

    [Fact]
    public async Task ExtractAsync_Unauthorized_IsNotTriedAgainAndSaysToCheckTheKey()
    {
        await using var llm = FakeLlm.Start(Answer.Status(401, """{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}"""));
        using var client = Client(llm, key: "sk-wrong", attempts: 3);

        var thrown = await Assert.ThrowsAsync<LlmException>(() => client.ExtractAsync(Dentist, CancellationToken.None));

        Assert.Single(llm.Requests);
        Assert.False(thrown.Transient);
        Assert.Contains("refused the request: HTTP 401 (Incorrect API key provided); check the API key", thrown.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-wrong", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExtractAsync_UnknownModel_SaysWhichModelToPull()
    {
        await using var llm = FakeLlm.Start(Answer.Status(404, """{"error":"model \"test-model\" not found, try pulling it first"}"""));
        using var client = Client(llm);

        var thrown = await Assert.ThrowsAsync<LlmException>(() => client.ExtractAsync(Dentist, CancellationToken.None));

        Assert.Single(llm.Requests);
        Assert.Contains("ollama pull test-model", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExtractAsync_AnswerSlowerThanTheTimeout_FailsWithTheTimeoutAsReason()
    {
        await using var llm = FakeLlm.Start(Answer.Chat(DentistAnswer).After(TimeSpan.FromMinutes(5)), Answer.Chat(DentistAnswer).After(TimeSpan.FromMinutes(5)));
        using var client = Client(llm, timeout: TimeSpan.FromMilliseconds(300), attempts: 2);

        var thrown = await Assert.ThrowsAsync<LlmException>(() => client.ExtractAsync(Dentist, CancellationToken.None).WaitAsync(s_guard));

        Assert.Equal(2, llm.Requests.Count);
        Assert.True(thrown.Transient);
        Assert.Equal($"the LLM at {llm.Url} did not answer within 0.3 s (2 tries)", thrown.Message);
    }

    [Fact]
    public async Task ExtractAsync_CallerCancelsWhileTheServerNeverAnswers_ThrowsCancellationAndClosesTheConnection()
    {
        await using var llm = FakeLlm.Start(Answer.Hang);
        using var client = Client(llm, timeout: TimeSpan.FromSeconds(120), attempts: 1);
        using var shutdown = new CancellationTokenSource();

        var call = client.ExtractAsync(Dentist, shutdown.Token);
        await llm.Received.WaitAsync(s_guard);
        await shutdown.CancelAsync();

        // Shutdown is not an LLM failure: the caller sees its own cancellation, and the job stays pending.
        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(s_guard));
        Assert.Equal(shutdown.Token, thrown.CancellationToken);
        await llm.ClosedByClient.WaitAsync(s_guard);
        Assert.Single(llm.Requests);
    }

    [Fact]
    public async Task ExtractAsync_NothingListening_IsAnLlmExceptionNotAnHttpError()
    {
        var port = FreePort();
        using var client = new LlmClient(new LlmOptions($"http://127.0.0.1:{port}", "test-model") { Attempts = 2, Backoff = [TimeSpan.Zero] }, FriendLite.Edge.Diagnostics.Log.Null);

        var thrown = await Assert.ThrowsAsync<LlmException>(() => client.ExtractAsync(Dentist, CancellationToken.None));

        Assert.True(thrown.Transient);
        Assert.StartsWith($"the LLM at http://127.0.0.1:{port} could not be reached: the connection was refused", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExtractAsync_AnswerThatIsNotAChatCompletion_SaysToCheckTheUrl()
    {
        await using var llm = FakeLlm.Start(Answer.Status(200, "<html>router login</html>"));
        using var client = Client(llm, attempts: 1);

        var thrown = await Assert.ThrowsAsync<LlmException>(() => client.ExtractAsync(Dentist, CancellationToken.None));

        Assert.Contains("not a chat completion", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("--llm-url", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CircuitBreaker_AfterRepeatedFailures_FailsAtOnceWithoutCalling_ThenTriesAgainAfterTheCooldown()
    {
        await using var llm = FakeLlm.Start(Answer.Status(500), Answer.Status(502), Answer.Chat(DentistAnswer));
        var time = new ManualTime(Start);
        using var client = Client(llm, attempts: 1, breakerThreshold: 2, time: time);

        await Assert.ThrowsAsync<LlmException>(() => client.ExtractAsync(Dentist, CancellationToken.None));
        await Assert.ThrowsAsync<LlmException>(() => client.ExtractAsync(Dentist, CancellationToken.None));
        var open = await Assert.ThrowsAsync<LlmException>(() => client.ExtractAsync(Dentist, CancellationToken.None));

        Assert.Equal(2, llm.Requests.Count);
        Assert.True(open.Transient);
        Assert.Equal(TimeSpan.FromMinutes(1), open.RetryAfter);
        Assert.Equal($"the LLM at {llm.Url} failed 2 times in a row (last: the LLM at {llm.Url} answered HTTP 502); it is not tried again for 60 s", open.Message);

        time.Advance(TimeSpan.FromMinutes(1));
        var extraction = await client.ExtractAsync(Dentist, CancellationToken.None);

        Assert.Equal(3, llm.Requests.Count);
        Assert.Equal("Dentist call and shopping", extraction.Title);
    }

    [Fact]
    public async Task Request_TextWithQuotesAndAccents_IsValidJsonAndReadable()
    {
        await using var llm = FakeLlm.Start(Answer.Chat(DentistAnswer));
        using var client = Client(llm);

        await client.ExtractAsync(Conversation("Ich möchte \"Grüntee\" kaufen."), CancellationToken.None);

        var body = Assert.Single(llm.Requests).Body;
        Assert.Contains("möchte", body, StringComparison.Ordinal);
        Assert.Contains("speaker_a: Ich möchte \"Grüntee\" kaufen.", JsonDocument.Parse(body).RootElement.GetProperty("messages")[1].GetProperty("content").GetString(), StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
