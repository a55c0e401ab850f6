using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Tests.Transcription;

/// <summary>Transcription jobs whose bookkeeping fails: the work is redone, the result stored once.</summary>
public sealed class JobFaultTests
{
    [Fact]
    public async Task JobDoneCannotBeRecorded_RerunAfterRestart_LeavesOneTranscriptRow()
    {
        using var dir = new TempDirectory();
        string conversationId;
        long jobId;
        var lines = new LogLines();
        await using (var first = await TestServer.StartAsync(dataDirectory: dir, log: lines.Log, configure: o => o with { Engine = () => new SlowEngine(TimeSpan.FromMilliseconds(10)) }))
        {
            first.KeepDataDirectory = true;
            var (user, token) = await first.CreateUserAsync("ann@example.com");
            var samples = Fixtures.Samples("conversation-3utt.wav");
            await DeviceSupport.StreamPcmAsync(first, token, samples);
            var conversation = Assert.Single(await DeviceSupport.ClosedConversationsAsync(first, user.Id, 1));
            conversationId = conversation.Id;
            await DeviceSupport.TranscriptRowsAsync(first, conversationId, 3);

            // The transcript row of this job is stored, then recording the job as done fails.
            await ExecuteAsync(first.Server.Database, """
                CREATE TRIGGER injected_done_fault BEFORE UPDATE OF state ON jobs WHEN NEW.state = 'done'
                BEGIN SELECT RAISE(ABORT, 'injected: disk I/O error'); END;
                """);
            var request = new TranscriptionRequest(conversationId, conversation.AudioPath!, 160_000, 176_000, "speaker_x");
            var jobs = new JobStore(first.Server.Database, TimeProvider.System);
            jobId = await jobs.EnqueueAsync(TranscriptionScheduler.JobKind, request.ToJobPayload(), default);
            await DeviceSupport.TranscriptRowsAsync(first, conversationId, 4);
            await lines.WaitForAsync("error transcription: could not record the outcome of transcription job");
            await ExecuteAsync(first.Server.Database, "DROP TRIGGER injected_done_fault;");
        }

        // The next start finds the job still running, runs it again, and the row is not doubled.
        await using var second = await TestServer.StartAsync(dataDirectory: dir, configure: o => o with { Engine = () => new SlowEngine(TimeSpan.FromMilliseconds(10)) });
        var store = new JobStore(second.Server.Database, TimeProvider.System);
        await DeviceSupport.WaitForAsync(async () => (await store.FindAsync(jobId, default))!.State == "done" ? "done" : null, "the job to be redone");
        var rows = await new TranscriptStore(second.Server.Database).ListAsync(conversationId, default);
        Assert.Equal(4, rows.Count);
        Assert.Single(rows, r => r.Start == 10.0);
    }

    [Fact]
    public async Task EngineUnavailableForAWhile_SegmentsWaitWithoutSpendingAttempts_ThenAreTranscribed()
    {
        var engine = new UnavailableEngine(unavailableCalls: 6, retryAfter: TimeSpan.FromMilliseconds(100));
        await using var server = await TestServer.StartAsync(configure: o => o with { Engine = () => engine });
        var (user, token) = await server.CreateUserAsync("ann@example.com");

        await DeviceSupport.StreamPcmAsync(server, token, Fixtures.Samples("conversation-3utt.wav"));

        var conversation = Assert.Single(await DeviceSupport.ClosedConversationsAsync(server, user.Id, 1));
        await DeviceSupport.TranscriptRowsAsync(server, conversation.Id, 3);
        var jobs = await new JobStore(server.Server.Database, TimeProvider.System).ListAsync(null, TranscriptionScheduler.JobKind, 100, default);
        Assert.True(engine.Refused >= 6, $"the engine refused {engine.Refused} runs");
        Assert.All(jobs, j => Assert.InRange(j.Attempts, 0, 1)); // a refusal is the engine's, not the segment's
        Assert.DoesNotContain(jobs, j => j.State == "failed");
    }

    /// <summary>An engine that refuses its first runs as a remote engine with an open circuit breaker does, then works.</summary>
    private sealed class UnavailableEngine(int unavailableCalls, TimeSpan retryAfter) : ITranscriptionEngine
    {
        private int _calls;

        public int Refused => Math.Min(Volatile.Read(ref _calls), unavailableCalls);

        public int Workers => 1;

        public string Status => "ok: test engine that is down for a while";

        public ITranscriber CreateWorker() => new Worker(this);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private sealed class Worker(UnavailableEngine engine) : ITranscriber
        {
            public string Engine => "flaky";

            public string Model => "test";

            public Task<IReadOnlyList<TranscriptSegment>> TranscribeAsync(ReadOnlyMemory<float> samples, CancellationToken cancellationToken) =>
                Interlocked.Increment(ref engine._calls) <= engine.RefusalLimit
                    ? throw new EngineUnavailableException("the test engine is down", engine.RetryAfter)
                    : Task.FromResult<IReadOnlyList<TranscriptSegment>>([new TranscriptSegment(0, samples.Length / 16000.0, "up again")]);

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }

        private int RefusalLimit => unavailableCalls;

        private TimeSpan RetryAfter => retryAfter;
    }

    private static async Task ExecuteAsync(Database database, string sql)
    {
        await using var connection = await database.OpenConnectionAsync(default);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
