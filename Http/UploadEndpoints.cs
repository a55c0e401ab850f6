using FriendLite.Edge.Sessions;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Uploads;

namespace FriendLite.Edge.Http;

/// <summary>
/// <c>POST /api/process-audio-files</c>, Friend-Lite's upload: multipart/form-data with one or more
/// WAV files (field <c>files</c>; any part with a file name counts) and an optional
/// <c>device_name</c> (form field or query, default <c>upload</c>). The whole body is received into
/// temporary files first (a malformed or oversized request creates nothing), then each file becomes
/// a conversation of the signed-in user (<see cref="AudioUploads"/>); the answer lists them at once
/// and their transcription and extraction continue as jobs. A file that is not a usable WAV gets its
/// own error while the others go through.
/// </summary>
internal sealed class UploadEndpoints(AudioUploads uploads, long maxBytes, FreeSpaceWatcher? disk)
{
    private const int MaxFieldBytes = 1024;

    public void Map(Router router) => router.MapPost("/api/process-audio-files", UploadAsync);

    private async Task UploadAsync(RequestContext context)
    {
        var request = context.Request;
        var boundary = MultipartReader.Boundary(request.ContentType);
        if (request.ContentLength64 > maxBytes)
        {
            throw TooLarge(context, $"This upload of {MultipartReader.DescribeSize(request.ContentLength64)} is larger than the {MultipartReader.DescribeSize(maxBytes)} the server accepts (--max-upload-size).");
        }

        RefuseWhenDiskIsShort(context, Math.Max(0, request.ContentLength64));
        var received = new List<(string FileName, string Path)>();
        try
        {
            var deviceName = request.QueryString["device_name"];
            var reader = new MultipartReader(request.InputStream, boundary, maxBytes);
            try
            {
                while (await reader.ReadSectionAsync(context.CancellationToken) is { } section)
                {
                    if (section.FileName is { } fileName)
                    {
                        await using var file = uploads.CreateTempFile();
                        received.Add((fileName.Length > 0 ? fileName : $"file {received.Count + 1}", file.Name));
                        await reader.CopyBodyAsync(file, context.CancellationToken);
                    }
                    else if (section.Name == "device_name")
                    {
                        deviceName = await reader.ReadTextAsync(MaxFieldBytes, context.CancellationToken);
                    }
                }
            }
            catch (HttpError)
            {
                // The rest of the body is not read: the connection cannot carry another request.
                context.Response.KeepAlive = false;
                throw;
            }

            if (received.Count == 0)
            {
                throw new HttpError(400, "The upload has no files: send WAV files as form fields named 'files', e.g. curl -F files=@recording.wav.");
            }

            var clientId = SessionRegistry.BaseClientId(context.CurrentUser.Id, string.IsNullOrWhiteSpace(deviceName) ? "upload" : deviceName);
            var outcomes = new List<UploadOutcome>();
            foreach (var (fileName, path) in received)
            {
                outcomes.Add(await uploads.ProcessAsync(context.CurrentUser.Id, clientId, fileName, path, context.CancellationToken));
                uploads.Discard(path); // before the answer: a client that has it finds no temporary file left behind
            }

            await context.WriteJsonAsync(200, Response(outcomes, clientId), ConversationJsonContext.Default.UploadResponse);
        }
        finally
        {
            foreach (var (_, path) in received)
            {
                uploads.Discard(path);
            }
        }
    }

    private static UploadResponse Response(List<UploadOutcome> outcomes, string clientId)
    {
        var files = outcomes.Select(o => new UploadFileResponse(o.FileName, o.Error is null ? "processed" : "error", o.Error, o.ConversationId,
            o.ConversationId is null ? null : clientId, o.SampleRate, o.Channels, o.DurationSeconds, o.SizeBytes, o.TranscriptionJobs)).ToList();
        var conversations = outcomes.Where(o => o.ConversationId is not null)
            .Select(o => new UploadConversationResponse(o.ConversationId!, clientId, o.FileName, "queued", o.TranscriptionJobs)).ToList();
        var failed = outcomes.Count - conversations.Count;
        var message = failed == 0 ? $"Processed {outcomes.Count} files" : $"Processed {outcomes.Count} files, {failed} of them could not be used";
        return new UploadResponse(message, files, conversations, conversations.Count, failed);
    }

    /// <summary>Like a device, an upload is refused while recording is paused, and when it would take the disk below <c>--min-free-disk</c>.</summary>
    private void RefuseWhenDiskIsShort(RequestContext context, long bytes)
    {
        if (disk is null)
        {
            return;
        }

        var reading = disk.Current;
        // The received file and its 16 kHz copy are on disk together for a moment.
        var room = reading.Usage is { } usage ? usage.AvailableBytes - reading.FloorBytes : long.MaxValue;
        if (disk.IsLow || room < 2 * bytes)
        {
            context.Response.KeepAlive = false;
            throw new HttpError(507, disk.IsLow
                ? disk.Refusal
                : $"This upload needs about {FreeSpaceWatcher.Mib(2 * bytes)} MiB and the server has {FreeSpaceWatcher.Mib(Math.Max(0, room))} MiB to spare above --min-free-disk: free some space or upload fewer files at once.")
            {
                Headers = new Dictionary<string, string> { ["Retry-After"] = "60" },
            };
        }
    }

    private static HttpError TooLarge(RequestContext context, string message)
    {
        context.Response.KeepAlive = false;
        return new HttpError(413, message);
    }
}
