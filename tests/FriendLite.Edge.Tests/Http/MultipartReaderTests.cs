using System.Text;
using FriendLite.Edge.Http;

namespace FriendLite.Edge.Tests.Http;

/// <summary>The streaming multipart/form-data reader, on bodies built here and fed in pieces of every size.</summary>
public sealed class MultipartReaderTests
{
    private const string Boundary = "----FormBoundary7MA4YWxkTrZu0gW";

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    [InlineData(1 << 20)]
    public async Task ReadSectionAsync_FilesAndAField_CopiesEachBodyExactly(int pieceSize)
    {
        // Bodies that contain what a careless parser takes for a boundary: CRLF, "--", the boundary without its CRLF.
        var first = Random(200_000, seed: 1);
        var second = Encoding.ASCII.GetBytes($"line\r\n--{Boundary[..10]}\r\n--\r\n{Boundary}x\r\n");
        var body = Build(("files", "a.wav", first), ("device_name", null, "kitchen"u8.ToArray()), ("files", "b.wav", second));

        var parts = await ReadAllAsync(new Pieces(body, pieceSize));

        Assert.Equal(["files:a.wav", "device_name:", "files:b.wav"], parts.Select(p => $"{p.Section.Name}:{p.Section.FileName}"));
        Assert.Equal(first, parts[0].Body);
        Assert.Equal("kitchen", Encoding.UTF8.GetString(parts[1].Body));
        Assert.Equal(second, parts[2].Body);
    }

    [Fact]
    public async Task ReadSectionAsync_PreambleEpilogueAndPadding_AreIgnored()
    {
        var text = $"preamble, ignored\r\n--{Boundary} \t\r\nContent-Disposition: form-data; name=\"files\"; filename=\"x.wav\"\r\nContent-Type: audio/wav\r\n\r\n"
            + $"RIFF\r\n--{Boundary}--\r\nepilogue, ignored";

        var parts = await ReadAllAsync(new MemoryStream(Encoding.ASCII.GetBytes(text)));

        var part = Assert.Single(parts);
        Assert.Equal("audio/wav", part.Section.ContentType);
        Assert.Equal("RIFF", Encoding.ASCII.GetString(part.Body));
    }

    [Theory]
    [InlineData("form-data; name=\"files\"; filename=\"C:\\\\rec\\\\day one.wav\"", "day one.wav")]
    [InlineData("form-data; name=\"files\"; filename=\"/home/ann/rec.wav\"", "rec.wav")]
    [InlineData("form-data; name=\"files\"; filename=\"say \\\"hi\\\".wav\"", "say \"hi\".wav")]
    [InlineData("form-data; name=\"files\"; filename=\"a;b.wav\"", "a;b.wav")]
    [InlineData("form-data; name=\"files\"; filename=\"plain.wav\"; filename*=UTF-8''caf%C3%A9.wav", "café.wav")]
    [InlineData("FORM-DATA; NAME=files; FILENAME=bare.wav", "bare.wav")]
    public async Task ReadSectionAsync_ContentDisposition_GivesTheFileName(string disposition, string expected)
    {
        var text = $"--{Boundary}\r\nContent-Disposition: {disposition}\r\n\r\nx\r\n--{Boundary}--";

        var part = Assert.Single(await ReadAllAsync(new MemoryStream(Encoding.UTF8.GetBytes(text))));

        Assert.Equal("files", part.Section.Name);
        Assert.Equal(expected, part.Section.FileName);
    }

    [Theory]
    [InlineData("--B\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nno closing boundary", "ended before its closing boundary")]
    [InlineData("no boundary at all", "has no part with the boundary")]
    [InlineData("--B\r\nContent-Type: text/plain\r\n\r\nx\r\n--B--", "without 'Content-Disposition: form-data; name=...'")]
    [InlineData("--B\r\nContent-Disposition: form-data; name=\"f\"\r\nno colon here\r\n\r\nx\r\n--B--", "not 'Name: value'")]
    [InlineData("--Bjunk\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n--B--", "text after the boundary")]
    [InlineData("--B\r\nContent-Disposition: form-data; name=\"f\"", "ended inside a part's headers")]
    public async Task ReadSectionAsync_MalformedBody_Is400InWords(string text, string expected)
    {
        var reader = new MultipartReader(new MemoryStream(Encoding.ASCII.GetBytes(text)), "B", long.MaxValue);

        var error = await Assert.ThrowsAsync<HttpError>(() => DrainAsync(reader));

        Assert.Equal(400, error.Status);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadSectionAsync_HeadersPastTheLimit_Is400()
    {
        var text = $"--B\r\nContent-Disposition: form-data; name=\"f\"\r\nX-Padding: {new string('a', 20_000)}\r\n\r\nx\r\n--B--";
        var reader = new MultipartReader(new MemoryStream(Encoding.ASCII.GetBytes(text)), "B", long.MaxValue);

        var error = await Assert.ThrowsAsync<HttpError>(() => DrainAsync(reader));

        Assert.Equal(400, error.Status);
        Assert.Contains("headers are longer than 16 KiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CopyBodyAsync_BodyPastMaxBytes_Is413NamingTheLimit()
    {
        var body = Build(("files", "big.wav", Random(300_000, seed: 2)));
        var reader = new MultipartReader(new Pieces(body, 8192), Boundary, maxBytes: 256 * 1024);

        var error = await Assert.ThrowsAsync<HttpError>(() => DrainAsync(reader));

        Assert.Equal(413, error.Status);
        Assert.Contains("larger than the 256 KiB the server accepts (--max-upload-size)", error.Message, StringComparison.Ordinal);
        Assert.InRange(reader.BytesRead, 256 * 1024, (256 * 1024) + (64 * 1024));
    }

    [Fact]
    public async Task ReadSectionAsync_MorePartsThanAllowed_Is400()
    {
        var body = Build([.. Enumerable.Range(0, 4).Select(i => ("files", (string?)$"{i}.wav", new byte[] { 1 }))]);
        var reader = new MultipartReader(new MemoryStream(body), Boundary, long.MaxValue, maxParts: 3);

        var error = await Assert.ThrowsAsync<HttpError>(() => DrainAsync(reader));

        Assert.Equal(400, error.Status);
        Assert.Contains("more than 3 parts", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("multipart/form-data; boundary=abc", "abc")]
    [InlineData("Multipart/Form-Data; charset=utf-8; Boundary=\"a b;c\"", "a b;c")]
    public void Boundary_MultipartContentType_IsRead(string contentType, string expected) =>
        Assert.Equal(expected, MultipartReader.Boundary(contentType));

    [Theory]
    [InlineData(null, 415)]
    [InlineData("application/json", 415)]
    [InlineData("multipart/form-data", 400)]
    [InlineData("multipart/form-data; boundary=", 400)]
    [InlineData("multipart/form-data; boundary=\"ends in a space \"", 400)]
    public void Boundary_OtherOrBrokenContentType_IsRefused(string? contentType, int status) =>
        Assert.Equal(status, Assert.Throws<HttpError>(() => MultipartReader.Boundary(contentType)).Status);

    internal static byte[] Build(params (string Name, string? FileName, byte[] Body)[] parts)
    {
        using var body = new MemoryStream();
        foreach (var (name, fileName, content) in parts)
        {
            var disposition = fileName is null ? $"form-data; name=\"{name}\"" : $"form-data; name=\"{name}\"; filename=\"{fileName}\"";
            body.Write(Encoding.UTF8.GetBytes($"--{Boundary}\r\nContent-Disposition: {disposition}\r\n\r\n"));
            body.Write(content);
            body.Write("\r\n"u8);
        }

        body.Write(Encoding.ASCII.GetBytes($"--{Boundary}--\r\n"));
        return body.ToArray();
    }

    private static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static async Task<List<(MultipartSection Section, byte[] Body)>> ReadAllAsync(Stream body)
    {
        var reader = new MultipartReader(body, Boundary, long.MaxValue);
        var parts = new List<(MultipartSection, byte[])>();
        while (await reader.ReadSectionAsync(CancellationToken.None) is { } section)
        {
            using var content = new MemoryStream();
            await reader.CopyBodyAsync(content, CancellationToken.None);
            parts.Add((section, content.ToArray()));
        }

        return parts;
    }

    private static async Task DrainAsync(MultipartReader reader)
    {
        while (await reader.ReadSectionAsync(CancellationToken.None) is not null)
        {
            await reader.CopyBodyAsync(Stream.Null, CancellationToken.None);
        }
    }

    /// <summary>A body that arrives at most <c>pieceSize</c> bytes per read, as a slow network delivers it.</summary>
    private sealed class Pieces(byte[] body, int pieceSize) : MemoryStream(body)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, pieceSize)], cancellationToken);
    }
}
