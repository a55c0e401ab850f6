using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Http;

/// <summary>Deleting a conversation with everything made from it, and doing its transcription or extraction again.</summary>
internal sealed partial class ConversationEndpoints
{
    /// <summary>
    /// <c>DELETE /api/conversations/{id}</c>: its rows (transcript, memories, action items, jobs) in
    /// one transaction, then its WAV. Idempotent: a conversation that is gone, or is not the caller's,
    /// answers 200 with <c>deleted</c> false and deletes nothing. One still being recorded is a 409.
    /// </summary>
    private async Task DeleteAsync(RequestContext context)
    {
        var id = context.Route("id");
        var row = await FindVisibleOrNullAsync(context, id);
        var deletion = row is null ? new ConversationDeletion(DeletionOutcome.NotFound) : await conversations.DeleteAsync(id, context.CancellationToken);
        if (deletion.Outcome == DeletionOutcome.Open)
        {
            throw StillRecording(row!);
        }

        if (deletion.Outcome == DeletionOutcome.NotFound)
        {
            await context.WriteJsonAsync(200, new DeleteConversationResponse($"Conversation {id} does not exist (already deleted?); nothing was deleted.", id, false, false, 0, 0, 0, 0),
                ConversationJsonContext.Default.DeleteConversationResponse);
            return;
        }

        var audioDeleted = DeleteAudio(deletion.AudioPath, id);
        log.Info("conversations", "deleted a conversation", ("conversation", id), ("user", context.CurrentUser.Id), ("segments", deletion.TranscriptSegments),
            ("memories", deletion.Memories), ("action_items", deletion.ActionItems), ("jobs", deletion.Jobs), ("audio_deleted", audioDeleted));
        await context.WriteJsonAsync(200, new DeleteConversationResponse($"Deleted conversation {id}.", id, true, audioDeleted, deletion.TranscriptSegments, deletion.Memories,
            deletion.ActionItems, deletion.Jobs), ConversationJsonContext.Default.DeleteConversationResponse);
    }

    /// <summary>Removes a deleted conversation's WAV (its rows are gone already); false when there was none or it could not be removed.</summary>
    private bool DeleteAudio(string? path, string id)
    {
        if (path is null || !File.Exists(path))
        {
            return false;
        }

        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log.Warn("conversations", "could not remove the audio of a deleted conversation", ("conversation", id), ("path", path), ("reason", Reasons.Of(ex)));
            return false;
        }
    }

    /// <summary>
    /// <c>POST /api/conversations/{id}/reprocess</c> with <c>{"transcription": true, "extraction": true}</c>
    /// (or the same as query parameters; both by default): its transcript is replaced by new durable
    /// transcribe jobs (its WAV through the VAD again), and/or an extraction is queued that runs once
    /// they are done. 202 with the jobs; 409 while the conversation is recorded or transcribed.
    /// </summary>
    private async Task ReprocessAsync(RequestContext context)
    {
        var row = await FindVisibleAsync(context, context.Route("id"));
        var body = context.Request.HasEntityBody ? await RequestBody.ReadJsonAsync(context, ConversationJsonContext.Default.ReprocessRequest) : null;
        var transcription = ParseFlag(context.Request.QueryString["transcription"], "transcription") ?? body?.Transcription ?? true;
        var extraction = ParseFlag(context.Request.QueryString["extraction"], "extraction") ?? body?.Extraction ?? true;
        if (!transcription && !extraction)
        {
            throw new HttpError(400, "Nothing to do: ask for transcription, extraction or both (the default).");
        }

        if (row.State == "open")
        {
            throw StillRecording(row);
        }

        IReadOnlyList<long> jobs = [];
        var removed = 0;
        if (transcription)
        {
            (jobs, removed) = await RetranscribeAsync(row, extraction, context.CancellationToken);
        }
        else
        {
            await conversations.EnqueueExtractionAsync(row.Id, time.GetUtcNow(), context.CancellationToken);
        }

        log.Info("conversations", "reprocessing a conversation", ("conversation", row.Id), ("transcription_jobs", jobs.Count), ("extraction", extraction));
        var message = (transcription, extraction) switch
        {
            (true, true) => $"Queued {jobs.Count} transcription jobs and an extraction after them.",
            (true, false) => $"Queued {jobs.Count} transcription jobs.",
            _ => "Queued an extraction.",
        };
        await context.WriteJsonAsync(202, new ReprocessResponse(message, row.Id, transcription, extraction, jobs, removed, extraction),
            ConversationJsonContext.Default.ReprocessResponse);
    }

    private async Task<(IReadOnlyList<long> Jobs, int Removed)> RetranscribeAsync(ConversationRow row, bool extraction, CancellationToken cancellationToken)
    {
        if (!speech.Enabled)
        {
            throw new HttpError(409, "This server does not transcribe: start it with --model or --asr to transcribe conversations again.");
        }

        if (row.AudioPath is null || !File.Exists(row.AudioPath))
        {
            throw new HttpError(409, $"Conversation {row.Id} has no audio file to transcribe again.");
        }

        var result = await speech.RetranscribeAsync(row, extraction, cancellationToken);
        return result.Outcome switch
        {
            RetranscriptionOutcome.Queued => (result.JobIds, result.TranscriptSegmentsRemoved),
            RetranscriptionOutcome.Open => throw StillRecording(row),
            RetranscriptionOutcome.Transcribing => throw new HttpError(409,
                $"Conversation {row.Id} is being transcribed right now: reprocess it once its transcription jobs are done (GET /api/jobs)."),
            _ => throw new HttpError(404, "No such conversation."),
        };
    }

    private static HttpError StillRecording(ConversationRow row) =>
        new(409, $"Conversation {row.Id} is still being recorded: close it first (POST /api/conversations/{row.ClientId}/close), then try again.");
}
