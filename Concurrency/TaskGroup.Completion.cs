using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Concurrency;

/// <summary>
/// How a group finishes: wait for every child and nested group (reporting those that outlast the
/// grace period after cancellation, and still awaiting them), dispose owned resources in reverse
/// order, then hand the failures to whoever waits.
/// </summary>
internal sealed partial class TaskGroup
{
    private async Task CompleteAsync()
    {
        try
        {
            await AwaitChildrenAsync();
            await DisposeOwnedAsync();
        }
        finally
        {
            lock (_gate)
            {
                _state = _failures.Count > 0 ? TaskGroupState.Faulted : TaskGroupState.Completed;
            }

            _cancelRegistration.Dispose();
            _cts.Dispose();
            _parent?.Detach(this);
            Interlocked.Decrement(ref s_liveGroups);
            _finished.TrySetResult();
        }
    }

    private async Task AwaitChildrenAsync()
    {
        var stragglersReported = false;
        while (true)
        {
            Task[] pending;
            lock (_gate)
            {
                if (_children.Count == 0 && _groups.Count == 0)
                {
                    _closed = true;
                    return;
                }

                pending = [.. _children.Select(c => c.Task!), .. _groups.Select(g => g.Finished)];
                if (_state == TaskGroupState.Running)
                {
                    _state = TaskGroupState.Waiting;
                }
            }

            var all = Task.WhenAll(pending);
            if (stragglersReported)
            {
                await all;
                continue;
            }

            if (!_cts.IsCancellationRequested)
            {
                // Wait for the children, or for cancellation to start the straggler clock.
                await Task.WhenAny(all, _cancelled.Task);
                continue;
            }

            using var graceCts = new CancellationTokenSource();
            var grace = Task.Delay(_options.StragglerGrace, graceCts.Token);
            if (await Task.WhenAny(all, grace) == grace)
            {
                ReportStragglers();
                stragglersReported = true;
            }

            await graceCts.CancelAsync();
        }
    }

    private async Task DisposeOwnedAsync()
    {
        IAsyncDisposable[] owned;
        lock (_gate)
        {
            owned = [.. _owned];
            _owned.Clear();
        }

        for (var i = owned.Length - 1; i >= 0; i--)
        {
            try
            {
                await owned[i].DisposeAsync();
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref s_failures);
                lock (_gate)
                {
                    _failures.Add(ex);
                }

                _options.Log.Exception(LogLevel.Error, "taskgroup", $"disposing a resource of group '{Name}' failed", ex);
            }
        }
    }

    private void ThrowFailures(bool onlyUnobserved)
    {
        Exception[] failures;
        lock (_gate)
        {
            if (_failures.Count == 0 || (onlyUnobserved && _failuresObserved))
            {
                return;
            }

            _failuresObserved = true;
            failures = [.. _failures];
        }

        if (failures.Length == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failures[0]);
        }

        throw new AggregateException($"{failures.Length} tasks of group '{Name}' failed.", failures);
    }
}
