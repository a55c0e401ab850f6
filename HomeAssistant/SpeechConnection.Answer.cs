using System.Diagnostics;
using System.Net.Sockets;
using System.Threading.Channels;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Transcription;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.HomeAssistant;

/// <summary>
/// A request answered: its audio handed to the scheduler's interactive lane, each piece of
/// transcript sent as whisper decodes it (<c>transcript-start</c>, <c>transcript-chunk</c>s), then
/// the whole <c>transcript</c> (which older clients wait for) and <c>transcript-stop</c>. Meanwhile
/// the connection is watched: a client that leaves has its command withdrawn, or its run cancelled
/// and awaited, before the connection ends.
/// </summary>
internal sealed partial class SpeechConnection
{
    /// <summary>Answers one request; false when the client left or stopped reading meanwhile (the connection then ends).</summary>
    private async Task<bool> AnswerAsync(CommandRequest request, WyomingEventReader reader, CancellationToken stopping)
    {
        string? language;
        try
        {
            language = context.Engine.Resolve(request.Language);
        }
        catch (ArgumentException ex)
        {
            context.Counters.Refused();
            await SendAsync(SpeechEvents.Error($"{char.ToUpperInvariant(ex.Message[0])}{ex.Message[1..]}.", "unsupported-language"), stopping);
            return true;
        }

        if (context.Scheduler is not { } scheduler)
        {
            context.Counters.Refused();
            await SendAsync(SpeechEvents.Error("This server has no transcription engine (start it with --model or --asr).", "unavailable"), stopping);
            return true;
        }

        var clock = Stopwatch.StartNew();
        await SendAsync(SpeechEvents.TranscriptStart(language), stopping);
        var result = request.Audio.SampleCount == 0
            ? new Transcribed([], Ending.Answered, 0, null) // nothing was said: an empty transcript, as wyoming-faster-whisper answers
            : await TranscribeAsync(scheduler, request, language, reader, stopping);
        switch (result.Ending)
        {
            case Ending.Left:
                context.Log.Info("wyoming", "the client left before its transcript; its command was withdrawn", ("remote", peer), ("seconds", Math.Round(request.Audio.Seconds, 2)));
                return false;
            case Ending.NotReading:
                return false;
            case Ending.Stopping:
                throw new OperationCanceledException(stopping);
            case Ending.Failed:
                context.Counters.Refused();
                var error = result.Failure!;
                await SendAsync(SpeechEvents.Error($"The command could not be transcribed: {Reasons.Of(error)}.", error is EngineUnavailableException ? "unavailable" : "transcription-failed"), stopping);
                return true;
        }

        var segments = result.Segments;
        for (var i = result.Streamed; i < segments.Count; i++)
        {
            // An engine that does not stream (a remote one) gave its pieces at the end.
            await SendAsync(SpeechEvents.TranscriptChunk(ChunkText(segments[i].Text, i > 0)), stopping);
        }

        var text = TranscriptFormat.Text(segments);
        await SendAsync(SpeechEvents.Transcript(text, language), stopping);
        await SendAsync(SpeechEvents.TranscriptStop(), stopping);
        context.Counters.Transcribed();
        context.Log.Info("wyoming", "voice command transcribed", ("remote", peer), ("seconds", Math.Round(request.Audio.Seconds, 2)),
            ("after_ms", (long)clock.Elapsed.TotalMilliseconds), ("chars", text.Length));
        if (context.Archive is { } archive)
        {
            await archive.KeepAsync(request.Audio.Samples.ToArray(), text, context.Engine.Model, peer);
        }

        return true;
    }

    private async Task<Transcribed> TranscribeAsync(TranscriptionScheduler scheduler, CommandRequest request, string? language, WyomingEventReader reader, CancellationToken stopping)
    {
        var pieces = Channel.CreateUnbounded<TranscriptSegment>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        using var watching = new CancellationTokenSource();
        var command = new VoiceCommand(request.Audio.ToFloat(), new TranscriptionHints(language, piece => pieces.Writer.TryWrite(piece)), cancel.Token);
        var left = WatchForLeaveAsync(reader, cancel, watching.Token);
        var streamed = StreamAsync(pieces.Reader, cancel);
        IReadOnlyList<TranscriptSegment> segments = [];
        Exception? failure = null;
        try
        {
            segments = await scheduler.TranscribeCommandAsync(command);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // Why is told below: the client left, stopped reading, or the server is stopping.
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        finally
        {
            pieces.Writer.TryComplete();
            await watching.CancelAsync();
        }

        // Both helpers end now (the watch is cancelled, the pieces complete) and are awaited: nothing is left running.
        var gone = await left;
        var chunks = await streamed;
        var ending = gone ? Ending.Left
            : chunks < 0 ? Ending.NotReading
            : stopping.IsCancellationRequested ? Ending.Stopping
            : failure is not null ? Ending.Failed
            : Ending.Answered;
        return new Transcribed(segments, ending, Math.Max(chunks, 0), failure);
    }

    /// <summary>Sends each piece as it is decoded; returns how many were sent, or -1 when the client did not take one (the command is then cancelled).</summary>
    private async Task<int> StreamAsync(ChannelReader<TranscriptSegment> pieces, CancellationTokenSource cancel)
    {
        var sent = 0;
        try
        {
            await foreach (var piece in pieces.ReadAllAsync(CancellationToken.None))
            {
                if (!cancel.IsCancellationRequested)
                {
                    await SendAsync(SpeechEvents.TranscriptChunk(ChunkText(piece.Text, sent > 0)), cancel.Token);
                    sent++;
                }
            }

            return sent;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // Cancelled for another reason (the client left, the server stops), which decides the ending.
            return sent;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or TimeoutException)
        {
            await cancel.CancelAsync();
            return -1;
        }
    }

    /// <summary>
    /// Waits while the command is transcribed for the client to close (or reset) the connection:
    /// true when it did (the command is then cancelled). Data sent meanwhile (its next request)
    /// stays buffered for the event loop.
    /// </summary>
    private static async Task<bool> WatchForLeaveAsync(WyomingEventReader reader, CancellationTokenSource cancel, CancellationToken watching)
    {
        try
        {
            if (await reader.WaitForDataAsync(watching))
            {
                return false;
            }
        }
        catch (OperationCanceledException) when (watching.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // A reset: the client is gone as surely as with a close.
        }

        await cancel.CancelAsync();
        return true;
    }

    /// <summary>Chunks concatenate to the transcript: every piece after the first starts with the space that joins it.</summary>
    private static string ChunkText(string text, bool joined) => joined && text.Length > 0 ? " " + text : text;

    private enum Ending
    {
        Answered,
        Left,
        NotReading,
        Stopping,
        Failed,
    }

    /// <summary>How a transcription ended: its pieces, how many were streamed, and the failure when it failed.</summary>
    private readonly record struct Transcribed(IReadOnlyList<TranscriptSegment> Segments, Ending Ending, int Streamed, Exception? Failure);
}
