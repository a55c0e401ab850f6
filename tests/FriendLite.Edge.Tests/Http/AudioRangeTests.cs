using System.Net;
using System.Net.Http.Headers;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Http;

/// <summary>A conversation's audio as a browser's player asks for it: ranges, suffixes, HEAD, and a file that is still growing.</summary>
public sealed class AudioRangeTests
{
    [Fact]
    public async Task Audio_RangeRequests_AnswerThePartsAskedFor()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        var conversation = await ConversationSeed.ThreeUtterancesAsync(server, ann.Id);
        var file = await File.ReadAllBytesAsync(conversation.AudioPath!);
        using var client = server.ClientWithToken(token);
        var url = $"/audio/{conversation.Id}.wav";

        using var whole = await client.GetAsync(url);
        using var head = await SendAsync(client, HttpMethod.Head, url, "bytes=0-43");
        using var first = await SendAsync(client, HttpMethod.Get, url, "bytes=0-43");
        using var rest = await SendAsync(client, HttpMethod.Get, url, "bytes=1000-");
        using var suffix = await SendAsync(client, HttpMethod.Get, $"/api/conversations/{conversation.Id}/audio", "bytes=-500");
        using var past = await SendAsync(client, HttpMethod.Get, url, $"bytes={file.Length}-");
        using var several = await SendAsync(client, HttpMethod.Get, url, "bytes=0-9,20-29");

        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal("bytes", whole.Headers.AcceptRanges.Single());
        Assert.Equal(file, await whole.Content.ReadAsByteArrayAsync());

        Assert.Equal(HttpStatusCode.PartialContent, head.StatusCode);
        Assert.Equal(44, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());

        await AssertPartAsync(first, file, 0, 44);
        await AssertPartAsync(rest, file, 1000, file.Length - 1000);
        await AssertPartAsync(suffix, file, file.Length - 500, 500);
        Assert.Equal("audio/wav", first.Content.Headers.ContentType?.MediaType);

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, past.StatusCode);
        Assert.Equal($"bytes */{file.Length}", past.Content.Headers.GetValues("Content-Range").Single());
        Assert.Contains("outside the audio's", await past.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, several.StatusCode);
        Assert.Equal(file.Length, several.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Audio_OfAConversationStillBeingWritten_IsServedAsLongAsItIsAtEachRequest()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, token) = await server.CreateUserAsync("ann@example.com");
        var conversation = await ConversationSeed.AddAsync(server, ann.Id, [], open: true);
        File.Delete(conversation.AudioPath!);
        var speech = Fixtures.Samples("jfk.wav");
        using var writer = WavWriter.Create(conversation.AudioPath!);
        writer.Write(speech.AsSpan(0, 16000));
        writer.RefreshHeader();
        using var client = server.ClientWithToken(token);
        var url = $"/audio/{conversation.Id}.wav";

        using var early = await SendAsync(client, HttpMethod.Get, url, "bytes=44-");
        writer.Write(speech.AsSpan(16000, 32000));
        writer.Flush();
        using var later = await SendAsync(client, HttpMethod.Get, url, "bytes=44-");
        using var tail = await SendAsync(client, HttpMethod.Get, url, "bytes=-2");

        Assert.Equal(HttpStatusCode.PartialContent, early.StatusCode);
        Assert.Equal($"bytes 44-{44 + 32000 - 1}/{44 + 32000}", early.Content.Headers.GetValues("Content-Range").Single());
        Assert.Equal(Bytes(speech.AsSpan(0, 16000)), await early.Content.ReadAsByteArrayAsync());
        Assert.Equal($"bytes 44-{44 + 96000 - 1}/{44 + 96000}", later.Content.Headers.GetValues("Content-Range").Single());
        Assert.Equal(Bytes(speech.AsSpan(0, 48000)), await later.Content.ReadAsByteArrayAsync());
        Assert.Equal(Bytes(speech.AsSpan(47999, 1)), await tail.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Audio_OfAnotherUser_Is404OnBothRoutes_EvenForARange()
    {
        await using var server = await TestServer.StartAsync();
        var (ann, _) = await server.CreateUserAsync("ann@example.com");
        var (_, bobToken) = await server.CreateUserAsync("bob@example.com");
        var conversation = await ConversationSeed.ThreeUtterancesAsync(server, ann.Id);
        using var bob = server.ClientWithToken(bobToken);

        using var file = await SendAsync(bob, HttpMethod.Get, $"/audio/{conversation.Id}.wav", "bytes=0-43");
        using var alias = await SendAsync(bob, HttpMethod.Head, $"/api/conversations/{conversation.Id}/audio", null);

        Assert.Equal(HttpStatusCode.NotFound, file.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, alias.StatusCode);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string url, string? range)
    {
        using var request = new HttpRequestMessage(method, url);
        if (range is not null)
        {
            request.Headers.TryAddWithoutValidation("Range", range);
        }

        return await client.SendAsync(request);
    }

    private static async Task AssertPartAsync(HttpResponseMessage response, byte[] file, int start, int length)
    {
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(new ContentRangeHeaderValue(start, start + length - 1, file.Length).ToString(), response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(length, response.Content.Headers.ContentLength);
        Assert.Equal(file.AsSpan(start, length).ToArray(), await response.Content.ReadAsByteArrayAsync());
    }

    private static byte[] Bytes(ReadOnlySpan<short> samples) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(samples).ToArray();
}
