using System.Diagnostics;

namespace FriendLite.Edge.Concurrency;

/// <summary>
/// What a group shows of itself: process-wide counters (live groups, failures, straggler reports),
/// the snapshot of its live tree for /api/debug/sessions and tests, and the report of children that
/// have not finished within the grace period after cancellation.
/// </summary>
internal sealed partial class TaskGroup
{
    private static int s_liveGroups;
    private static long s_failures;
    private static long s_stragglerReports;

    /// <summary>Groups created and not yet completed, process-wide (a leak detector for tests and diagnostics).</summary>
    public static int LiveGroups => Volatile.Read(ref s_liveGroups);

    /// <summary>Child failures recorded since start, process-wide.</summary>
    public static long FailureCount => Interlocked.Read(ref s_failures);

    /// <summary>Children reported for not finishing within the grace period after cancellation, process-wide.</summary>
    public static long StragglerReports => Interlocked.Read(ref s_stragglerReports);

    /// <summary>A snapshot of the live tree: this group, its children and nested groups, with states and ages.</summary>
    public TaskGroupSnapshot Snapshot()
    {
        lock (_gate)
        {
            var now = Stopwatch.GetTimestamp();
            var children = _children
                .Select(c => new TaskSnapshot(c.Name, StateOf(c), Stopwatch.GetElapsedTime(c.Started, now).TotalSeconds))
                .ToList();
            var groups = _groups.Select(g => g.Snapshot()).ToList();
            return new TaskGroupSnapshot(Name, StateName(_state), Stopwatch.GetElapsedTime(_started, now).TotalSeconds, children, groups);
        }
    }

    private void ReportStragglers()
    {
        var snapshot = Snapshot();
        var names = snapshot.Children.Select(c => c.Name).Concat(snapshot.Groups.Select(g => g.Name + " (group)")).ToList();
        Interlocked.Add(ref s_stragglerReports, names.Count);
        _options.Log.Warn(
            "taskgroup",
            $"group '{Name}' still waiting for children {_options.StragglerGrace.TotalSeconds:0.###} s after cancellation; still awaiting them",
            ("children", string.Join(",", names)));
        _options.OnStragglers?.Invoke(Name, names);
    }

    private string StateOf(Child child) => child.Outcome switch
    {
        ChildOutcome.Running when _cts.IsCancellationRequested => "cancelling",
        ChildOutcome.Running => "running",
        ChildOutcome.Completed => "completed",
        ChildOutcome.Cancelled => "cancelled",
        _ => "faulted",
    };

    private static string StateName(TaskGroupState state) => state switch
    {
        TaskGroupState.Running => "running",
        TaskGroupState.Waiting => "waiting",
        TaskGroupState.Cancelling => "cancelling",
        TaskGroupState.Completed => "completed",
        _ => "faulted",
    };
}
