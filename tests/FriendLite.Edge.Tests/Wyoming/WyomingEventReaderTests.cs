using System.Text;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Tests.Wyoming;

/// <summary>The server side of Wyoming's TCP framing: data blocks merged, payloads exact, limits before buffering, a close inside an event named.</summary>
public sealed class WyomingEventReaderTests
{
    [Fact]
    public async Task Events_DataBlockMergedOverInlineData_PayloadExact_BlankLinesAndCrlfTolerated()
    {
        var reader = Reader(
            "{\"type\":\"transcribe\",\"data\":{\"language\":\"de\",\"name\":\"x\"},\"data_length\":17}\r\n{\"language\":\"en\"}\n"
            + "{\"type\":\"audio-chunk\",\"data\":{\"rate\":48000,\"width\":2,\"channels\":2},\"payload_length\":4}\nabcd"
            + "{\"type\":\"audio-stop\"}\n");

        var transcribe = await reader.ReadAsync(default);
        var chunk = await reader.ReadAsync(default);
        var stop = await reader.ReadAsync(default);

        Assert.Equal(("transcribe", "en"), (transcribe!.Value.Type, transcribe.Value.Data.Language));
        Assert.Equal((48000, 2, 2), (chunk!.Value.Data.Rate, chunk.Value.Data.Width, chunk.Value.Data.Channels));
        Assert.Equal("abcd", Encoding.ASCII.GetString(chunk.Value.Payload.Span));
        Assert.Equal("audio-stop", stop!.Value.Type);
        Assert.Null(await reader.ReadAsync(default)); // closed between events: the end, not an error
    }

    [Theory]
    [InlineData("{\"type\":\"audio-chunk\",\"payload_length\":10}\nabc")]
    [InlineData("{\"type\":\"audio-chu")]
    [InlineData("{\"type\":\"transcribe\",\"data_length\":20}\n{\"lang")]
    public async Task ACloseInsideAnEvent_IsEndOfStream(string sent)
    {
        var reader = Reader(sent);

        await Assert.ThrowsAsync<EndOfStreamException>(() => reader.ReadAsync(default));
    }

    [Fact]
    public async Task Limits_RefuseBeforeTheBytesAreRead()
    {
        var limits = new WyomingLimits(MaxHeader: 64, MaxData: 16, MaxPayload: 8);

        var header = await Assert.ThrowsAsync<FormatException>(() => Reader("{\"type\":\"" + new string('a', 100) + "\"}\n", limits).ReadAsync(default));
        var data = await Assert.ThrowsAsync<FormatException>(() => Reader("{\"type\":\"x\",\"data_length\":17}\n", limits).ReadAsync(default));
        var payload = await Assert.ThrowsAsync<FormatException>(() => Reader("{\"type\":\"x\",\"payload_length\":9}\n", limits).ReadAsync(default));

        Assert.Equal("an event header longer than 64 bytes (no newline)", header.Message);
        Assert.Equal("'x' has 17 bytes of data; at most 16 are taken", data.Message);
        Assert.Equal("'x' has a payload of 9 bytes; at most 8 are taken", payload.Message);
    }

    private static WyomingEventReader Reader(string text, WyomingLimits? limits = null) =>
        new(new MemoryStream(Encoding.UTF8.GetBytes(text)), limits ?? new WyomingLimits());
}
