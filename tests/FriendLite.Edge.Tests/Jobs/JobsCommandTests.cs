using FriendLite.Edge.Jobs;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Jobs;

/// <summary><c>jobs list|retry|cancel</c> on a data directory, as an administrator runs them.</summary>
public sealed class JobsCommandTests
{
    [Fact]
    public async Task ListRetryCancel_ShowAndChangeJobs_AndRefuseWhatCannotChange()
    {
        using var dir = new TempDirectory();
        var jobs = new JobStore(Database.Open(dir.Path), TimeProvider.System);
        var failed = await jobs.EnqueueAsync("transcribe", "{\"conversation_id\":\"c1\"}", default, maxAttempts: 1);
        await jobs.FailAsync((await jobs.ClaimAsync("transcribe", default))!, "disk full", default);
        var pending = await jobs.EnqueueAsync("transcribe", "{\"conversation_id\":\"c2\"}", default);

        var listed = await RunAsync("jobs", "list", "--state", "failed", "--data-dir", dir.Path);
        var retried = await RunAsync("jobs", "retry", failed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", dir.Path);
        var cancelled = await RunAsync("jobs", "cancel", pending.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", dir.Path);
        var again = await RunAsync("jobs", "cancel", pending.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", dir.Path);
        var unknown = await RunAsync("jobs", "retry", "4242", "--data-dir", dir.Path);
        var badState = await RunAsync("jobs", "list", "--state", "stuck", "--data-dir", dir.Path);

        Assert.Equal(0, listed.Code);
        var line = Assert.Single(listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1));
        Assert.Contains("transcribe", line, StringComparison.Ordinal);
        Assert.Contains("failed", line, StringComparison.Ordinal);
        Assert.Contains("1/1", line, StringComparison.Ordinal);
        Assert.Contains("c1", line, StringComparison.Ordinal);
        Assert.EndsWith("disk full", line, StringComparison.Ordinal);
        Assert.Equal((0, "pending", 0), (retried.Code, (await jobs.FindAsync(failed, default))!.State, (await jobs.FindAsync(failed, default))!.Attempts));
        Assert.Equal((0, "cancelled"), (cancelled.Code, (await jobs.FindAsync(pending, default))!.State));
        Assert.Equal(1, again.Code);
        Assert.Contains($"Job {pending} is cancelled; only pending or failed jobs can be cancelled.", again.Error, StringComparison.Ordinal);
        Assert.Equal(1, unknown.Code);
        Assert.Contains("No job has the id 4242.", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(2, badState.Code);
    }

    private static Task<(int Code, string Output, string Error)> RunAsync(params string[] args) =>
        CliRunner.RunAsync((output, error) => [JobsCommand.Create(output, error)], args);
}
