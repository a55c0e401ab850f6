using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Uploads;

/// <summary>What became of one uploaded file: a conversation (with its audio's shape and the jobs it queued), or why not.</summary>
internal sealed record UploadOutcome(string FileName, long SizeBytes)
{
    public string? ConversationId { get; init; }

    public int? SampleRate { get; init; }

    public int? Channels { get; init; }

    public double? DurationSeconds { get; init; }

    public int TranscriptionJobs { get; init; }

    /// <summary>Null when it became a conversation; else one sentence saying what is wrong with the file.</summary>
    public string? Error { get; init; }
}

/// <summary>
/// Uploaded recordings become conversations processed exactly as a device's: the file (any WAV
/// <see cref="WavSpeechReader"/> reads) is converted to the server's own 16 kHz mono WAV, its speech
/// found by the sessions' VAD and queued as durable transcribe jobs (<see cref="SpeechJobs"/>), and
/// the conversation closed, which queues its extraction. Files arrive in <see cref="TempDirectory"/>
/// (the receiving side owns and removes them); the conversion happens there too, so a file that
/// fails leaves nothing behind, and the conversation's row exists only once its audio is in place.
/// </summary>
internal sealed class AudioUploads(string dataDirectory, ConversationStore conversations, SpeechJobs speech, TimeProvider time, Log log)
{
    /// <summary>Where uploads are received and converted: in the data directory, so renames into place stay on one file system.</summary>
    public string TempDirectory { get; } = Path.Combine(dataDirectory, "uploads");

    /// <summary>At start, before any request: what an upload interrupted by a crash left here is removed.</summary>
    public void ClearLeftovers()
    {
        if (!Directory.Exists(TempDirectory))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(TempDirectory))
        {
            Discard(file);
        }
    }

    /// <summary>A new file to receive one upload into (the caller removes it).</summary>
    public FileStream CreateTempFile()
    {
        Directory.CreateDirectory(TempDirectory);
        return new FileStream(Path.Combine(TempDirectory, Guid.NewGuid().ToString("N") + ".part"), new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            BufferSize = 64 * 1024,
            Options = FileOptions.Asynchronous,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
    }

    /// <summary>Turns one received file into a conversation of <paramref name="userId"/> under <paramref name="clientId"/>; never throws for the file's own faults.</summary>
    public async Task<UploadOutcome> ProcessAsync(string userId, string clientId, string fileName, string receivedPath, CancellationToken cancellationToken)
    {
        var outcome = new UploadOutcome(fileName, new FileInfo(receivedPath).Length);
        var converted = Path.Combine(TempDirectory, Guid.NewGuid().ToString("N") + ".wav");
        try
        {
            var (format, samples) = Convert(receivedPath, fileName, converted, cancellationToken);
            outcome = outcome with { SampleRate = format.Rate, Channels = format.Channels, DurationSeconds = Math.Round(samples / 16000.0, 3) };
            var (id, jobs) = await StoreAsync(userId, clientId, converted, samples, cancellationToken);
            log.Info("upload", "stored an uploaded recording as a conversation", ("conversation", id), ("client", clientId), ("file", fileName),
                ("seconds", outcome.DurationSeconds), ("segments", jobs));
            return outcome with { ConversationId = id, TranscriptionJobs = jobs };
        }
        catch (InvalidDataException ex)
        {
            return outcome with { Error = ex.Message };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The disk or the database failing is this file's failure; the other files of the upload go on.
            log.Exception(LogLevel.Error, "upload", $"could not store the uploaded file {fileName}", ex);
            return outcome with { Error = $"The server could not store {fileName} ({Reasons.Of(ex)}); try again later." };
        }
        finally
        {
            Discard(converted);
        }
    }

    /// <summary>The received file as the server's 16 kHz mono WAV; returns the source format and the samples written.</summary>
    private static (AudioFormat Format, long Samples) Convert(string receivedPath, string fileName, string convertedPath, CancellationToken cancellationToken)
    {
        using var input = new FileStream(receivedPath, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024);
        using var reader = WavSpeechReader.Open(input, fileName);
        using var writer = WavWriter.Create(convertedPath);
        for (var chunk = reader.ReadChunk(); !chunk.IsEmpty; chunk = reader.ReadChunk())
        {
            cancellationToken.ThrowIfCancellationRequested();
            writer.Write(chunk);
        }

        return writer.SampleCount > 0 ? (reader.Format, writer.SampleCount) : throw WavFile.Refuse(fileName, "has no audio data");
    }

    /// <summary>
    /// The converted WAV moved into place, then the conversation's row, its speech as jobs, and its
    /// close (which queues extraction). A crash in between is the crash of a device's conversation:
    /// the next start closes it from its WAV and queues the speech not yet queued.
    /// </summary>
    private async Task<(string Id, int Jobs)> StoreAsync(string userId, string clientId, string convertedPath, long samples, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N");
        var now = time.GetUtcNow();
        // The recording is taken to have just ended: it started its own length ago.
        var started = now - TimeSpan.FromSeconds(samples / 16000.0);
        var path = ConversationStore.AudioPath(dataDirectory, id, started);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Move(convertedPath, path);
        var row = new ConversationRow(id, userId, clientId, started, null, path, 16000, samples, "open");
        try
        {
            await conversations.CreateAsync(row, cancellationToken);
        }
        catch
        {
            Discard(path);
            throw;
        }

        var jobs = speech.Enabled ? await speech.QueueAsync(row, path, 0, samples, cancellationToken) : [];
        await conversations.CloseAsync(id, now, samples, "closed", cancellationToken);
        await conversations.TouchClientAsync(userId, clientId, null, now, cancellationToken);
        return (id, jobs.Count);
    }

    /// <summary>Removes a temporary file; one that cannot be removed is logged (the next start clears the folder).</summary>
    public void Discard(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log.Warn("upload", "could not remove a temporary upload file", ("path", path), ("reason", Reasons.Of(ex)));
        }
    }
}
