using System.Collections.Concurrent;
using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Tests.Concurrency;

public sealed class TaskGroupTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task WaitAsync_ChildrenOfDifferentLengths_ReturnsOnlyAfterEveryOneFinished()
    {
        var finished = new ConcurrentBag<string>();
        await using var group = new TaskGroup("g");
        foreach (var (name, ms) in new[] { ("a", 10), ("b", 80), ("c", 150) })
        {
            group.Spawn(name, async ct =>
            {
                await Task.Delay(ms, ct);
                finished.Add(name);
            });
        }

        await group.WaitAsync();

        Assert.Equal(["a", "b", "c"], finished.Order());
    }

    [Fact]
    public async Task Spawn_ChildFails_CancelsSiblingsAndWaitThrowsTheFailure()
    {
        var siblingCancelled = false;
        var group = new TaskGroup("g");
        group.Spawn("sibling", async ct =>
        {
            try
            {
                await Task.Delay(Long, ct);
            }
            catch (OperationCanceledException)
            {
                siblingCancelled = true;
                throw;
            }
        });
        group.Spawn("failing", async _ =>
        {
            await Task.Delay(20);
            throw new InvalidDataException("bad frame");
        });

        var thrown = await Assert.ThrowsAsync<InvalidDataException>(group.WaitAsync);

        Assert.Equal("bad frame", thrown.Message);
        Assert.True(siblingCancelled);
        Assert.True(group.IsCancellationRequested);
        await group.DisposeAsync(); // already observed: does not throw again
    }

    [Fact]
    public async Task WaitAsync_TwoChildrenFail_ThrowsAggregateWithBoth()
    {
        var group = new TaskGroup("g");
        using var bothStarted = new CountdownEvent(2);
        group.Spawn("one", async _ =>
        {
            bothStarted.Signal();
            await Task.Delay(50);
            throw new InvalidOperationException("one");
        });
        group.Spawn("two", async _ =>
        {
            bothStarted.Signal();
            await Task.Delay(50);
            throw new ArgumentException("two");
        });

        var thrown = await Assert.ThrowsAsync<AggregateException>(group.WaitAsync);

        Assert.Equal(["one", "two"], thrown.InnerExceptions.Select(e => e.Message).Order());
    }

    [Fact]
    public async Task DisposeAsync_ChildIgnoresCancellation_IsReportedAfterGraceAndStillAwaited()
    {
        var reported = new ConcurrentBag<string>();
        var reportSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new TaskGroupOptions(TimeSpan.FromMilliseconds(100), Log.Null, (_, names) =>
        {
            foreach (var n in names)
            {
                reported.Add(n);
            }

            reportSeen.TrySetResult();
        });
        var stubbornFinished = false;
        var group = new TaskGroup("g", options);
        group.Spawn("stubborn", async _ =>
        {
            // Ignores its token on purpose; it ends only once the group has reported it (or after 10 s,
            // so a broken report fails the test instead of hanging it).
            await Task.WhenAny(reportSeen.Task, Task.Delay(TimeSpan.FromSeconds(10)));
            await Task.Delay(50);
            stubbornFinished = true;
        });
        group.Spawn("polite", ct => Task.Delay(Long, ct));

        await group.DisposeAsync();

        Assert.True(stubbornFinished, "the group returned before its child finished");
        // Under load "polite" may itself still be unwinding when the grace period ends, so only
        // the stubborn child is certain to be named.
        Assert.Contains("stubborn", reported);
    }

    [Fact]
    public async Task Own_ResourcesAreDisposedAfterChildrenInReverseOrder()
    {
        var events = new ConcurrentQueue<string>();
        var group = new TaskGroup("g");
        group.Own(new Resource("first", events));
        group.Own(new Resource("second", events));
        group.Spawn("child", async _ =>
        {
            await Task.Delay(50);
            events.Enqueue("child done");
        });

        await group.WaitAsync();

        Assert.Equal(["child done", "dispose second", "dispose first"], events);
    }

    [Fact]
    public async Task Own_DisposalThrows_FailureSurfacesAndOtherResourcesStillDisposed()
    {
        var events = new ConcurrentQueue<string>();
        var group = new TaskGroup("g");
        group.Own(new Resource("kept", events));
        group.Own(new Resource("broken", events, fail: true));

        var thrown = await Assert.ThrowsAsync<IOException>(group.WaitAsync);

        Assert.Equal("dispose broken failed", thrown.Message);
        Assert.Equal(["dispose broken", "dispose kept"], events);
    }

    [Fact]
    public async Task Spawn_IntoCancelledGroup_Throws()
    {
        await using var group = new TaskGroup("g");
        group.Cancel();

        var thrown = Assert.Throws<InvalidOperationException>(() => group.Spawn("late", _ => Task.CompletedTask));
        Assert.Contains("late", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ByteBudget_WaitsWhileSpent_ReturnLetsTheNextIn_CloseLetsEveryoneIn()
    {
        var budget = new ByteBudget(1000);
        await budget.TakeAsync(600, default);
        await budget.TakeAsync(400, default);

        var third = budget.TakeAsync(10, default).AsTask();
        await Task.Delay(50);
        Assert.False(third.IsCompleted); // 1,010 would overspend 1,000
        budget.Return(600);
        await third.WaitAsync(Long);
        Assert.Equal(410, budget.Used);

        // Larger than the whole budget: waits for the rest to drain, then passes alone.
        var huge = budget.TakeAsync(5000, default).AsTask();
        await Task.Delay(50);
        Assert.False(huge.IsCompleted);
        budget.Return(410);
        await huge.WaitAsync(Long);

        var blocked = budget.TakeAsync(1, default).AsTask();
        budget.Close(); // the consumer is gone: nobody may wait for it
        await blocked.WaitAsync(Long);
    }

    [Fact]
    public async Task SpawnAll_TheFirstChildFailsAtOnce_TheOthersStillStart()
    {
        // A session's receive loop can fail the moment it starts (the socket is already gone). Its
        // pipeline and watchdog must start anyway, or nothing drains what was read and closes the socket.
        for (var round = 0; round < 500; round++)
        {
            var started = 0;
            var group = new TaskGroup("session");
            group.SpawnAll(
                ("receive", _ =>
                {
                    Interlocked.Increment(ref started);
                    throw new InvalidOperationException("the socket is gone");
                }),
                ("pipeline", _ => Task.FromResult(Interlocked.Increment(ref started))),
                ("watchdog", _ => Task.FromResult(Interlocked.Increment(ref started))));
            await Assert.ThrowsAsync<InvalidOperationException>(group.WaitAsync);
            Assert.Equal(3, started);
        }
    }

    [Fact]
    public async Task SpawnAll_IntoCancelledGroup_StartsNone()
    {
        await using var group = new TaskGroup("g");
        group.Cancel();
        var started = 0;

        Assert.Throws<InvalidOperationException>(() => group.SpawnAll(
            ("one", _ => Task.FromResult(Interlocked.Increment(ref started))),
            ("two", _ => Task.FromResult(Interlocked.Increment(ref started)))));
        await group.WaitQuietlyAsync();
        Assert.Equal(0, started);
    }

    [Fact]
    public async Task Spawn_IntoCompletedGroup_Throws()
    {
        var group = new TaskGroup("g");
        group.Spawn("quick", _ => Task.CompletedTask);
        await group.WaitAsync();

        Assert.Throws<InvalidOperationException>(() => group.Spawn("late", _ => Task.CompletedTask));
    }

    [Fact]
    public async Task Spawn_ByARunningChildWhileOwnerWaits_IsAwaitedToo()
    {
        var grandchildDone = false;
        var group = new TaskGroup("g");
        group.Spawn("parent-child", async _ =>
        {
            await Task.Delay(30);
            group.Spawn("spawned-later", async _ =>
            {
                await Task.Delay(100);
                grandchildDone = true;
            });
        });

        await group.WaitAsync();

        Assert.True(grandchildDone);
    }

    [Fact]
    public async Task ParentToken_Cancelled_ChildrenSeeCancellationAndWaitDoesNotThrow()
    {
        using var parent = new CancellationTokenSource();
        var group = new TaskGroup("g", parent.Token);
        group.Spawn("loop", ct => Task.Delay(Long, ct));

        await parent.CancelAsync();
        await group.WaitAsync();

        Assert.True(group.Finished.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Child_OwnTimeoutNotGroupCancellation_CountsAsFailure()
    {
        var group = new TaskGroup("g");
        group.Spawn("times-out", async _ =>
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(20));
            await Task.Delay(Long, timeout.Token);
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(group.WaitAsync);
        Assert.True(group.IsCancellationRequested);
    }

    [Fact]
    public async Task NestedGroup_ParentWaitsForItAndItsFailureDoesNotCancelParent()
    {
        var parent = new TaskGroup("server");
        var siblingSurvived = new TaskCompletionSource();
        var nestedFailureSeen = false;
        parent.Spawn("session-owner", async _ =>
        {
            var session = new TaskGroup("session", parent);
            session.Spawn("receive", async _ =>
            {
                await Task.Delay(30);
                throw new InvalidDataException("client sent garbage");
            });
            try
            {
                await session.WaitAsync();
            }
            catch (InvalidDataException)
            {
                nestedFailureSeen = true;
            }
        });
        parent.Spawn("other-session", async ct =>
        {
            await Task.Delay(150, ct);
            siblingSurvived.SetResult();
        });

        await parent.WaitAsync();

        Assert.True(nestedFailureSeen);
        Assert.True(siblingSurvived.Task.IsCompletedSuccessfully);
        Assert.False(parent.IsCancellationRequested);
    }

    [Fact]
    public async Task NestedGroup_ParentCancelled_CancelsNestedChildrenAndParentAwaitsThem()
    {
        var nestedChildStopped = false;
        var parent = new TaskGroup("server");
        var nestedStarted = new TaskCompletionSource();
        var nested = new TaskGroup("session", parent);
        nested.Spawn("pipeline", async ct =>
        {
            nestedStarted.SetResult();
            try
            {
                await Task.Delay(Long, ct);
            }
            finally
            {
                await Task.Delay(50);
                nestedChildStopped = true;
            }
        });
        parent.Spawn("owner", async _ => await nested.WaitAsync());
        await nestedStarted.Task;

        await parent.DisposeAsync();

        Assert.True(nestedChildStopped);
        Assert.True(nested.Finished.IsCompleted);
    }

    [Fact]
    public async Task NestedGroup_CreatedInCancelledParent_Throws()
    {
        await using var parent = new TaskGroup("server");
        parent.Cancel();

        Assert.Throws<InvalidOperationException>(() => new TaskGroup("session", parent));
    }

    [Fact]
    public async Task Snapshot_ShowsLiveTreeWithNamesStatesAndAges()
    {
        var parent = new TaskGroup("server");
        var release = new TaskCompletionSource();
        var nested = new TaskGroup("session abc", parent);
        nested.Spawn("receive", _ => release.Task);
        parent.Spawn("accept", _ => release.Task);
        await Task.Delay(30);

        var snapshot = parent.Snapshot();

        Assert.Equal("server", snapshot.Name);
        Assert.Equal("running", snapshot.State);
        var accept = Assert.Single(snapshot.Children);
        Assert.Equal(("accept", "running"), (accept.Name, accept.State));
        Assert.True(accept.AgeSeconds > 0.01);
        var session = Assert.Single(snapshot.Groups);
        Assert.Equal("session abc", session.Name);
        Assert.Equal("receive", Assert.Single(session.Children).Name);
        Assert.Equal(2, snapshot.GroupCount);

        parent.Cancel();
        Assert.Equal("cancelling", parent.Snapshot().State);
        release.SetResult();
        await nested.WaitAsync();
        await parent.WaitAsync();
        var after = parent.Snapshot();
        Assert.Equal("completed", after.State);
        Assert.Empty(after.Children);
        Assert.Empty(after.Groups);
    }

    private sealed class Resource(string name, ConcurrentQueue<string> events, bool fail = false) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Task.Yield();
            events.Enqueue($"dispose {name}");
            if (fail)
            {
                throw new IOException($"dispose {name} failed");
            }
        }
    }
}
