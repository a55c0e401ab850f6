namespace FriendLite.Edge.Http;

/// <summary>A conversation's WAV, with HTTP ranges so a browser's player can seek, also while the conversation is still being written.</summary>
internal sealed partial class ConversationEndpoints
{
    /// <summary>
    /// <c>GET|HEAD /audio/{id}.wav</c> (and <c>/api/conversations/{id}/audio</c>): the file as long as
    /// it is when the request arrives (a conversation being recorded grows; its header is refreshed
    /// every second), whole (200) or one range of it (206, <see cref="ByteRange"/>); a range past the
    /// end is 416 with <c>Content-Range: bytes */length</c>.
    /// </summary>
    private async Task AudioAsync(RequestContext context, string id)
    {
        var row = await FindVisibleAsync(context, id);
        if (row.AudioPath is null || !File.Exists(row.AudioPath))
        {
            throw new HttpError(404, "This conversation has no audio file.");
        }

        // ReadWrite sharing: the session's writer still holds a conversation that is being recorded.
        await using var audio = new FileStream(row.AudioPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024, useAsync: true);
        var length = audio.Length;
        var request = context.Request;
        // Without validators of our own (ETag, Last-Modified) an If-Range cannot be shown to match: the whole file, as RFC 9110 asks.
        var range = request.Headers["If-Range"] is null ? ByteRange.Parse(request.Headers["Range"], length) : ByteRange.Parse(null, length);
        var response = context.Response;
        response.AddHeader("Accept-Ranges", "bytes");
        if (range.Kind == RangeKind.Unsatisfiable)
        {
            throw new HttpError(416, $"The range '{request.Headers["Range"]}' is outside the audio's {length} bytes.")
            {
                Headers = new Dictionary<string, string> { ["Content-Range"] = range.ContentRange(length) },
            };
        }

        response.StatusCode = range.Kind == RangeKind.Partial ? 206 : 200;
        response.ContentType = "audio/wav";
        response.ContentLength64 = range.Length;
        response.AddHeader("Content-Disposition", $"inline; filename=\"{row.Id}.wav\"");
        if (range.Kind == RangeKind.Partial)
        {
            response.AddHeader("Content-Range", range.ContentRange(length));
        }

        if (request.HttpMethod != "HEAD")
        {
            audio.Position = range.Start;
            await CopyExactlyAsync(audio, response.OutputStream, range.Length, context.CancellationToken);
        }
    }

    /// <summary>Exactly <paramref name="count"/> bytes: a file that grows meanwhile must not overrun the Content-Length already sent.</summary>
    private static async Task CopyExactlyAsync(Stream source, Stream destination, long count, CancellationToken cancellationToken)
    {
        var buffer = new byte[(int)Math.Min(64 * 1024, Math.Max(1, count))];
        while (count > 0)
        {
            var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancellationToken);
            if (read == 0)
            {
                throw new IOException("The audio file became shorter while it was being sent.");
            }

            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            count -= read;
        }
    }
}
