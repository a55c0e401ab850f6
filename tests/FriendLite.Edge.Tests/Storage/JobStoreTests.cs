using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Storage;

public sealed class JobStoreTests
{
    [Fact]
    public async Task Claim_TakesEachDueJobOnceInOrder()
    {
        using var dir = new TempDirectory();
        var jobs = new JobStore(Database.Open(dir.Path), TimeProvider.System);
        var first = await jobs.EnqueueAsync("transcribe", "{\"n\":1}", default);
        var second = await jobs.EnqueueAsync("transcribe", "{\"n\":2}", default);
        await jobs.EnqueueAsync("memory", "{}", default);

        var claims = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => jobs.ClaimAsync("transcribe", default)));

        Assert.Equal([first, second], claims.Where(c => c is not null).Select(c => c!.Id).Order());
        Assert.Equal(2, await jobs.CountAsync("transcribe", "running", default));
    }

    [Fact]
    public async Task DeletedJob_ItsIdIsNeverGivenToANewJob_SoALateOutcomeCannotSettleIt()
    {
        using var dir = new TempDirectory();
        var database = Database.Open(dir.Path);
        var jobs = new JobStore(database, TimeProvider.System);
        await jobs.EnqueueAsync("extract", "{}", default);
        var running = (await jobs.ClaimAsync("extract", default))!;
        await using (var connection = await database.OpenConnectionAsync(default))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"DELETE FROM jobs WHERE id = {running.Id};"; // its conversation was deleted under the worker
            await command.ExecuteNonQueryAsync();
        }

        var next = await jobs.EnqueueAsync("extract", "{}", default);
        await jobs.CompleteAsync(running.Id, default); // the worker's late outcome

        Assert.True(next > running.Id);
        Assert.Equal("pending", (await jobs.FindAsync(next, default))!.State);
    }

    [Fact]
    public async Task Fail_RetriesWithBackoffThenGivesUp()
    {
        using var dir = new TempDirectory();
        var clock = new ManualTime(DateTimeOffset.UnixEpoch.AddDays(20000));
        var jobs = new JobStore(Database.Open(dir.Path), clock);
        await jobs.EnqueueAsync("transcribe", "{}", default, maxAttempts: 2);

        var attempt1 = (await jobs.ClaimAsync("transcribe", default))!;
        await jobs.FailAsync(attempt1, "disk full", default);
        var tooSoon = await jobs.ClaimAsync("transcribe", default);
        clock.Now = clock.Now.AddSeconds(6);
        var attempt2 = (await jobs.ClaimAsync("transcribe", default))!;
        await jobs.FailAsync(attempt2, "disk full again", default);

        Assert.Null(tooSoon);
        Assert.Equal(2, attempt2.Attempts);
        Assert.Equal(1, await jobs.CountAsync("transcribe", "failed", default));
    }

    [Fact]
    public async Task Recover_AfterACrash_RunningJobsArePendingAgain()
    {
        using var dir = new TempDirectory();
        var database = Database.Open(dir.Path);
        var jobs = new JobStore(database, TimeProvider.System);
        await jobs.EnqueueAsync("transcribe", "{}", default);
        var claimed = (await jobs.ClaimAsync("transcribe", default))!;

        var recovered = await new JobStore(database, TimeProvider.System).RecoverAsync(default);
        var again = await jobs.ClaimAsync("transcribe", default);
        await jobs.ReleaseAsync(again!.Id, default);
        var third = await jobs.ClaimAsync("transcribe", default);
        await jobs.CompleteAsync(third!.Id, default);

        Assert.Equal(1, recovered);
        Assert.Equal(claimed.Id, again.Id);
        Assert.Equal(2, third.Attempts); // the release did not count as an attempt
        Assert.Equal(1, await jobs.CountAsync("transcribe", "done", default));
    }

    [Fact]
    public async Task PoisonJob_InterruptedByACrashOnEveryAttempt_IsFailedNotRetriedForever()
    {
        using var dir = new TempDirectory();
        var database = Database.Open(dir.Path);
        var jobs = new JobStore(database, TimeProvider.System);
        var id = await jobs.EnqueueAsync("transcribe", "{}", default, maxAttempts: 3);

        // Each attempt kills the process (kill -9 mid-job); each start recovers the running job.
        var claims = 0;
        for (var start = 0; start < 6; start++)
        {
            await new JobStore(database, TimeProvider.System).RecoverAsync(default);
            if (await jobs.ClaimAsync("transcribe", default) is { } claimed)
            {
                Assert.Equal(id, claimed.Id);
                claims++;
            }
        }

        Assert.Equal(3, claims);
        Assert.Equal(1, await jobs.CountAsync("transcribe", "failed", default));
        await using var connection = await database.OpenConnectionAsync(default);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT last_error FROM jobs WHERE id = $id;";
        command.Parameters.AddWithValue("$id", id);
        Assert.Contains("3 attempts", (string)(await command.ExecuteScalarAsync())!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_AVersion1Database_KeepsItsJobsAndAllowsCancelling()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, Database.FileName);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);"
                + Migrations.All[0].Sql
                + "INSERT INTO schema_migrations VALUES (1, 'initial schema', 0);"
                + "INSERT INTO jobs (kind, payload, state, attempts, max_attempts, next_run_at, last_error, created_at, updated_at) VALUES ('transcribe', '{\"conversation_id\":\"c1\"}', 'failed', 5, 5, 0, 'disk full', 0, 0);";
            command.ExecuteNonQuery();
        }

        var jobs = new JobStore(Database.Open(dir.Path), TimeProvider.System);
        var kept = Assert.Single(await jobs.ListAsync(null, null, 10, default));
        var cancelled = await jobs.CancelAsync(kept.Id, default);

        Assert.Equal(("transcribe", "failed", 5, "disk full", "c1"), (kept.Kind, kept.State, kept.Attempts, kept.LastError, kept.ConversationId));
        Assert.Equal(JobChange.Done, cancelled);
        Assert.Equal("cancelled", (await jobs.FindAsync(kept.Id, default))!.State);
    }

    [Fact]
    public async Task RetryAndCancel_ChangeOnlyJobsInTheRightState()
    {
        using var dir = new TempDirectory();
        var jobs = new JobStore(Database.Open(dir.Path), TimeProvider.System);
        var failed = await jobs.EnqueueAsync("transcribe", "{}", default, maxAttempts: 1);
        await jobs.FailAsync((await jobs.ClaimAsync("transcribe", default))!, "bad audio", default);
        var running = await jobs.EnqueueAsync("transcribe", "{}", default);
        await jobs.ClaimAsync("transcribe", default);
        var pending = await jobs.EnqueueAsync("transcribe", "{}", default);

        Assert.Equal(JobChange.Done, await jobs.RetryAsync(failed, default));
        Assert.Equal(("pending", 0), ((await jobs.FindAsync(failed, default))!.State, (await jobs.FindAsync(failed, default))!.Attempts));
        Assert.Equal(JobChange.Running, await jobs.CancelAsync(running, default));
        Assert.Equal(JobChange.Done, await jobs.CancelAsync(pending, default));
        Assert.Equal(JobChange.Finished, await jobs.CancelAsync(pending, default));
        Assert.Equal(JobChange.NotFound, await jobs.RetryAsync(999, default));
        Assert.Equal([pending, running, failed], (await jobs.ListAsync(null, "transcribe", 10, default)).Select(j => j.Id));
        Assert.Equal([pending], (await jobs.ListAsync("cancelled", null, 10, default)).Select(j => j.Id));
    }

    [Fact]
    public async Task DeleteUserWithData_RemovesTheJobsOfItsConversations_KeepsOthers()
    {
        using var dir = new TempDirectory();
        var database = Database.Open(dir.Path);
        var users = new UserStore(database);
        var ann = (await users.CreateAsync("ann@example.com", null, "hash", isAdmin: false, default))!;
        var bob = (await users.CreateAsync("bob@example.com", null, "hash", isAdmin: false, default))!;
        var conversations = new ConversationStore(database);
        await conversations.CreateAsync(new ConversationRow("c-ann", ann.Id, "a1", DateTimeOffset.UtcNow, null, "/x/ann.wav", 16000, 0, "closed"), default);
        await conversations.CreateAsync(new ConversationRow("c-bob", bob.Id, "b1", DateTimeOffset.UtcNow, null, "/x/bob.wav", 16000, 0, "closed"), default);
        var jobs = new JobStore(database, TimeProvider.System);
        await jobs.EnqueueAsync("transcribe", "{\"conversation_id\":\"c-ann\"}", default);
        await jobs.EnqueueOwnedAsync("transcribe", "{\"conversation_id\":\"c-ann\"}", default);
        var bobs = await jobs.EnqueueAsync("transcribe", "{\"conversation_id\":\"c-bob\"}", default);

        await users.DeleteAsync(ann.Id, deleteData: true, default);

        Assert.Equal([bobs], (await jobs.ListAsync(null, null, 10, default)).Select(j => j.Id));
    }

    [Fact]
    public async Task Transcripts_AreListedInTimeOrder()
    {
        using var dir = new TempDirectory();
        var database = Database.Open(dir.Path);
        await using (var connection = await database.OpenConnectionAsync(default))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "INSERT INTO users (id, email, password_hash, created_at) VALUES ('u', 'u@x.y', 'h', 0); INSERT INTO conversations (id, user_id, client_id, started_at) VALUES ('c', 'u', 'x', 0);";
            await command.ExecuteNonQueryAsync();
        }

        var transcripts = new TranscriptStore(database);
        await transcripts.AddAsync("c", 5.5, 7.25, "second", "speaker_x", "whisper.cpp", "m", default);
        await transcripts.AddAsync("c", 0.5, 2, "first", "speaker_x", "whisper.cpp", "m", default);

        var rows = await transcripts.ListAsync("c", default);

        Assert.Equal(["first", "second"], rows.Select(r => r.Text));
        Assert.Equal((5.5, 7.25), (rows[1].Start, rows[1].End));
    }
}
