namespace FriendLite.Edge.Storage;

internal sealed record JobRow(long Id, string Kind, string Payload, int Attempts, int MaxAttempts)
{
    /// <summary>When the job was made (a live segment's: when it was handed in), on the store's clock.</summary>
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>
/// Durable work that must outlive a client or a crash (the transcription backlog, memory
/// extraction): pending rows are claimed by the server's workers, retried with back-off, and a
/// job that was running when the process died is pending again at the next start.
/// </summary>
internal sealed partial class JobStore(Database database, TimeProvider time)
{
    /// <summary>The transcription backlog's kind (a speech segment to transcribe); extraction waits for a conversation's jobs of it.</summary>
    public const string TranscribeKind = "transcribe";

    public Task<long> EnqueueAsync(string kind, string payload, CancellationToken cancellationToken, int maxAttempts = 5) =>
        InsertAsync(kind, payload, attempts: 0, error: null, maxAttempts, cancellationToken);

    /// <summary>
    /// Makes work durable before it is queued in memory: the row is 'running' (owned by the live
    /// queue, so no job worker claims it) until <see cref="CompleteAsync"/>, <see cref="RequeueAsync"/>
    /// or <see cref="RetryLaterAsync"/>; after a crash, recovery makes it pending.
    /// </summary>
    public Task<long> EnqueueOwnedAsync(string kind, string payload, CancellationToken cancellationToken, int maxAttempts = 5) =>
        InsertAsync(kind, payload, attempts: 0, error: null, maxAttempts, cancellationToken, state: "running");

    /// <summary>Work owned in memory is handed to the job workers, due now, its attempts unchanged (the queue was full, or it was interrupted).</summary>
    public Task RequeueAsync(long id, CancellationToken cancellationToken) =>
        SetAsync(id, "pending", null, TimeSpan.Zero, cancellationToken);

    /// <summary>Work owned in memory failed its first attempt: the attempt is counted, the reason kept, and it is due after the first back-off.</summary>
    public async Task RetryLaterAsync(long id, string error, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE jobs SET attempts = attempts + 1, last_error = $error, updated_at = $now, next_run_at = $next,
                state = CASE WHEN attempts + 1 >= max_attempts THEN 'failed' ELSE 'pending' END
            WHERE id = $id;
            """;
        var now = time.GetUtcNow();
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$error", error);
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$next", (now + Backoff(1)).ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Keeps work whose first attempt already failed outside the jobs table (a live segment): the
    /// attempt is counted, the reason kept, and the job is due after the first back-off.
    /// </summary>
    public Task<long> EnqueueFailedAsync(string kind, string payload, string error, CancellationToken cancellationToken, int maxAttempts = 5) =>
        InsertAsync(kind, payload, attempts: 1, error, maxAttempts, cancellationToken);

    /// <summary>How long a job waits after its <paramref name="attempts"/>th failed attempt: 5 s, 20 s, 80 s, ... at most an hour.</summary>
    public static TimeSpan Backoff(int attempts) => TimeSpan.FromSeconds(Math.Min(3600, 5 * Math.Pow(4, Math.Max(0, attempts - 1))));

    /// <summary>Takes the oldest due job of <paramref name="kind"/>, marking it running; null when none is due.</summary>
    public async Task<JobRow?> ClaimAsync(string kind, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // One statement, so two workers can never claim the same row.
        command.CommandText = """
            UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = $now
            WHERE id = (SELECT id FROM jobs WHERE kind = $kind AND state = 'pending' AND next_run_at <= $now AND attempts < max_attempts
                        ORDER BY next_run_at, id LIMIT 1)
            RETURNING id, kind, payload, attempts, max_attempts, created_at;
            """;
        command.Parameters.AddWithValue("$kind", kind);
        command.Parameters.AddWithValue("$now", now);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new JobRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4))
            {
                CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
            }
            : null;
    }

    /// <summary>
    /// Takes the oldest due job of <paramref name="kind"/> whose conversation has no job of
    /// <paramref name="after"/> waiting or running (an extraction waits for its conversation's
    /// transcription; failed or cancelled transcription does not hold it up), marking it running.
    /// </summary>
    public async Task<JobRow?> ClaimAfterAsync(string kind, string after, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = $now
            WHERE id = (SELECT j.id FROM jobs j WHERE j.kind = $kind AND j.state = 'pending' AND j.next_run_at <= $now AND j.attempts < j.max_attempts
                            AND NOT EXISTS (SELECT 1 FROM jobs t WHERE t.kind = $after AND t.state IN ('pending', 'running')
                                            AND {ConversationOf("t")} = {ConversationOf("j")})
                        ORDER BY j.next_run_at, j.id LIMIT 1)
            RETURNING id, kind, payload, attempts, max_attempts;
            """;
        command.Parameters.AddWithValue("$kind", kind);
        command.Parameters.AddWithValue("$after", after);
        command.Parameters.AddWithValue("$now", now);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new JobRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4))
            : null;
    }

    /// <summary>How long ago <paramref name="job"/> was made, on the store's clock (never negative).</summary>
    public TimeSpan Age(JobRow job) => time.GetUtcNow() - job.CreatedAt is { Ticks: > 0 } age ? age : TimeSpan.Zero;

    /// <summary>A job's conversation, as the <c>jobs_by_conversation</c> index (migration 5) spells it, so lookups use the index.</summary>
    public static string ConversationOf(string table) =>
        $"(CASE WHEN json_valid({table}.payload) THEN json_extract({table}.payload, '$.conversation_id') END)";

    public Task CompleteAsync(long id, CancellationToken cancellationToken) =>
        SetAsync(id, "done", null, TimeSpan.Zero, cancellationToken);

    /// <summary>Records a failure: pending again after a back-off, or failed for good after the last attempt.</summary>
    public Task FailAsync(JobRow job, string error, CancellationToken cancellationToken) =>
        job.Attempts >= job.MaxAttempts
            ? GiveUpAsync(job.Id, error, cancellationToken)
            : SetAsync(job.Id, "pending", error, Backoff(job.Attempts), cancellationToken);

    /// <summary>Fails a job for good, whatever attempts it has left (its payload cannot be processed).</summary>
    public Task GiveUpAsync(long id, string error, CancellationToken cancellationToken) =>
        SetAsync(id, "failed", error, TimeSpan.Zero, cancellationToken);

    /// <summary>Puts a job that was interrupted (shutdown, cancellation) back without counting the attempt.</summary>
    public async Task ReleaseAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE jobs SET state = 'pending', attempts = max(0, attempts - 1), updated_at = $now WHERE id = $id AND state = 'running';";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$now", time.GetUtcNow().ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// At start: jobs left running by a process that died are pending again, their attempt counted.
    /// One that was running on its last attempt is failed instead: a job that kills the process
    /// every time it runs must not become a crash loop. Returns how many are pending again.
    /// </summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE jobs SET state = 'failed', updated_at = $now,
                last_error = 'the server stopped or crashed during each of its ' || attempts || ' attempts' || coalesce(' (last error: ' || last_error || ')', '')
            WHERE state = 'running' AND attempts >= max_attempts;
            UPDATE jobs SET state = 'pending', updated_at = $now WHERE state = 'running';
            """;
        command.Parameters.AddWithValue("$now", time.GetUtcNow().ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
        command.CommandText = "SELECT changes();";
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<int> CountAsync(string kind, string state, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM jobs WHERE kind = $kind AND state = $state;";
        command.Parameters.AddWithValue("$kind", kind);
        command.Parameters.AddWithValue("$state", state);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<long> InsertAsync(string kind, string payload, int attempts, string? error, int maxAttempts, CancellationToken cancellationToken, string state = "pending")
    {
        var now = time.GetUtcNow();
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO jobs (kind, payload, state, attempts, max_attempts, next_run_at, last_error, created_at, updated_at)
            VALUES ($kind, $payload, $state, $attempts, $max, $next, $error, $now, $now) RETURNING id;
            """;
        command.Parameters.AddWithValue("$state", state);
        command.Parameters.AddWithValue("$kind", kind);
        command.Parameters.AddWithValue("$payload", payload);
        command.Parameters.AddWithValue("$attempts", attempts);
        command.Parameters.AddWithValue("$max", maxAttempts);
        command.Parameters.AddWithValue("$next", (attempts > 0 ? now + Backoff(attempts) : now).ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task SetAsync(long id, string state, string? error, TimeSpan delay, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE jobs SET state = $state, last_error = coalesce($error, last_error), next_run_at = $next, updated_at = $now WHERE id = $id;";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$state", state);
        command.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
        command.Parameters.AddWithValue("$next", (now + delay).ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
