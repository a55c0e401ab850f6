using System.Diagnostics;
using FriendLite.Edge.Cli;
using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Loadgen;

/// <summary>
/// Runs the clients of one loadgen run. Ownership: the run's group owns every client (and through
/// them every session); <see cref="RunAsync"/> returns only after the group has finished, so the
/// summary it returns counts everything that happened.
///
/// Stopping: the run ends when every client has played its audio, when <c>--duration</c> has
/// passed, or when <c>stop</c> is cancelled (Ctrl-C). Clients then close gracefully; the ones not
/// done within the close timeout (plus a second) are aborted, as is everything when <c>abort</c> is
/// cancelled (a second Ctrl-C).
/// </summary>
internal static class LoadgenRunner
{
    public static async Task<LoadgenSummary> RunAsync(LoadgenOptions options, AudioFrames audio, Log log, CancellationToken stop, CancellationToken abort)
    {
        var stats = new LoadgenStats(log);
        var started = Stopwatch.GetTimestamp();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stop);
        if (options.Duration is { } duration)
        {
            stopping.CancelAfter(duration);
        }

        var groupOptions = new TaskGroupOptions(options.CloseTimeout + TimeSpan.FromSeconds(5), log);
        var group = new TaskGroup("loadgen", groupOptions);
        using var abortRegistration = abort.Register(static g => ((TaskGroup)g!).Cancel(), group);
        var clients = new LoadgenClient[options.Clients];
        Task completion;
        try
        {
            for (var i = 0; i < clients.Length; i++)
            {
                var client = clients[i] = new LoadgenClient(i + 1, options, audio, stats, group);
                // Spread the starts over one frame period so the clients' frames do not all leave in the same instant.
                var startDelay = options.FramePeriod * i / clients.Length;
                group.Spawn($"client-{i + 1}", ct => client.RunAsync(startDelay, stopping.Token, ct));
            }
        }
        catch (InvalidOperationException) when (abort.IsCancellationRequested)
        {
            // Aborted while starting: the clients already started are awaited below.
        }
        finally
        {
            completion = group.WaitAsync();
        }

        try
        {
            await WaitForClientsAsync(completion, group, options, log, stopping.Token, abort);
        }
        catch (Exception ex)
        {
            // Only the group's failures get here (whatever their type, even a stray OperationCanceledException):
            // a bug in a client, not the server's doing. Count it and still report the run.
            stats.Error(0, "internal error", $"{ex.GetType().Name}: {Reasons.Of(ex)}");
        }
        finally
        {
            await group.DisposeAsync();
        }

        var stoppedBy = stop.IsCancellationRequested ? "signal"
            : options.Duration is not null && stopping.IsCancellationRequested ? "duration"
            : clients.All(c => c is null || c.GaveUp) ? "clients gave up"
            : "end of audio";
        return stats.Summarize(options, Stopwatch.GetElapsedTime(started), stoppedBy);
    }

    private static async Task WaitForClientsAsync(Task completion, TaskGroup group, LoadgenOptions options, Log log, CancellationToken stopping, CancellationToken abort)
    {
        try
        {
            await completion.WaitAsync(stopping);
            return;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Time is up or the user asked to stop: the clients are closing their sessions now.
        }

        var grace = options.CloseTimeout + TimeSpan.FromSeconds(1);
        try
        {
            await completion.WaitAsync(grace, abort);
            return;
        }
        catch (TimeoutException)
        {
            log.Warn("loadgen", "sessions still closing after the close timeout; aborting them", ("timeout", Duration.Format(grace)));
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            log.Info("loadgen", "aborting the remaining sessions");
        }

        group.Cancel();
        await completion;
    }
}
