using System.Text;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Tests.Wyoming;

/// <summary>The Wyoming event codec: headers parsed with their data and lengths, bad ones refused with a reason, written headers read back.</summary>
public sealed class WyomingEventTests
{
    [Fact]
    public void Wyoming_AudioChunkHeader_ParsesFormatTimestampAndLength()
    {
        var header = WyomingEvent.Parse("{\"type\":\"audio-chunk\",\"data\":{\"rate\":16000,\"width\":2,\"channels\":1,\"timestamp\":1732000000},\"payload_length\":320}\n"u8);

        Assert.Equal(WyomingEvent.AudioChunk, header.Type);
        Assert.Equal(new AudioFormat(16000, 2, 1), header.Data.Format);
        Assert.Equal(1732000000, header.Data.Timestamp);
        Assert.Equal(320, header.PayloadLength);
        Assert.Equal(0, header.DataLength);
    }

    [Fact]
    public void Wyoming_NullsAndUnknownFields_AreTolerated()
    {
        var header = WyomingEvent.Parse("{\"type\":\"audio-start\",\"version\":\"1.5\",\"data\":{\"rate\":16000,\"width\":2,\"channels\":1,\"extra\":[1,{\"a\":2}]},\"payload_length\":null}"u8);
        var stop = WyomingEvent.Parse("{\"type\":\"audio-stop\",\"data\":null}"u8);

        Assert.Equal(0, header.PayloadLength);
        Assert.Equal(16000, header.Data.Rate);
        Assert.Equal(WyomingEvent.AudioStop, stop.Type);
        Assert.Null(stop.Data.Format);
    }

    [Fact]
    public void Wyoming_DataLength_MergesExtraData()
    {
        var header = WyomingEvent.Parse("{\"type\":\"audio-start\",\"data\":{\"rate\":8000},\"data_length\":40}"u8);
        var extra = WyomingEvent.ParseData("{\"rate\":44100,\"width\":2,\"channels\":2}"u8);

        Assert.Equal(40, header.DataLength);
        Assert.Equal(new AudioFormat(44100, 2, 2), header.Data.MergedWith(extra).Format);
    }

    [Theory]
    [InlineData("not json", "invalid JSON")]
    [InlineData("{\"type\":\"audio-chunk\"", "invalid JSON")]
    [InlineData("[1,2]", "must be a JSON object")]
    [InlineData("{\"data\":{}}", "no 'type'")]
    [InlineData("{\"type\":3}", "'type' must be a string")]
    [InlineData("{\"type\":\"audio-chunk\",\"payload_length\":-5}", "must not be negative")]
    [InlineData("{\"type\":\"audio-chunk\",\"payload_length\":\"320\"}", "whole number")]
    [InlineData("{\"type\":\"audio-chunk\",\"payload_length\":1000000000000}", "'payload_length' 1000000000000 is larger than any event may carry")]
    [InlineData("{\"type\":\"audio-chunk\",\"data\":{\"rate\":1e12}}", "'rate' 1000000000000 is out of range")]
    [InlineData("{\"type\":\"audio-chunk\",\"payload_length\":3.5}", "whole number")]
    [InlineData("{\"type\":\"audio-chunk\"} {}", "invalid JSON")]
    public void Wyoming_BadHeader_ThrowsFormatExceptionWithReason(string json, string reason)
    {
        var thrown = Assert.Throws<FormatException>(() => WyomingEvent.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.Contains(reason, thrown.Message, StringComparison.Ordinal);
    }

    /// <summary>The reader's message is the framework's (a resource key in the AOT build); the position is ours to say.</summary>
    [Theory]
    [InlineData("{not json}", "invalid JSON at line 1, byte 2 ('n')")]
    [InlineData("{\"type\":\"audio-chunk\",", "invalid JSON: it ends after 22 bytes, before the event is complete")]
    [InlineData("{\"type\":\"audio-chunk\"} {}", "invalid JSON at line 1, byte 24 ('{')")]
    [InlineData("{\n  \"type\": \"audio-chunk\",\n  \"data\": tru\n}", "invalid JSON at line 3, byte 14")]
    public void Wyoming_InvalidJson_SaysWhereInOurWords(string json, string reason)
    {
        var thrown = Assert.Throws<FormatException>(() => WyomingEvent.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.Equal(reason, thrown.Message);
    }

    [Fact]
    public void Wyoming_InvalidExtraData_SaysWhereInOurWords()
    {
        var thrown = Assert.Throws<FormatException>(() => WyomingEvent.ParseData("{\"rate\":}"u8));

        Assert.Equal("the extra data: invalid JSON at line 1, byte 9 ('}')", thrown.Message);
    }

    [Fact]
    public void Wyoming_TypeThatIsNotUtf8_IsAFormatErrorSayingSo()
    {
        byte[] json = [.. "{\"type\":\"audi"u8, 0xFA, .. "-stop\"}"u8];

        var thrown = Assert.Throws<FormatException>(() => WyomingEvent.Parse(json));

        Assert.Contains("not valid UTF-8", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wyoming_Serialize_RoundTrips()
    {
        var bytes = WyomingEvent.Serialize(WyomingEvent.AudioChunk, AudioFormat.Speech, 42, 640);

        var parsed = WyomingEvent.Parse(bytes);

        Assert.Equal((WyomingEvent.AudioChunk, AudioFormat.Speech, 42L, 640), (parsed.Type, parsed.Data.Format, parsed.Data.Timestamp!.Value, parsed.PayloadLength));
    }
}
