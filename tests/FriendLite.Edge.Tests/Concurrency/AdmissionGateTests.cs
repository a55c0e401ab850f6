using FriendLite.Edge.Concurrency;

namespace FriendLite.Edge.Tests.Concurrency;

public sealed class AdmissionGateTests
{
    [Fact]
    public async Task Enter_PastTheSlotsAndTheQueue_IsRefusedAtOnceAsQueueFull()
    {
        var gate = new AdmissionGate(concurrency: 2, queue: 1, TimeSpan.FromHours(1), TimeProvider.System);
        using var first = await gate.EnterAsync(default);
        using var second = await gate.EnterAsync(default);
        var third = gate.EnterAsync(default).AsTask();

        var refusal = await Assert.ThrowsAsync<AdmissionRefusedException>(() => gate.EnterAsync(default).AsTask());

        Assert.Equal(AdmissionRefusal.QueueFull, refusal.Reason);
        Assert.Equal(TimeSpan.FromSeconds(60), refusal.RetryAfter);
        Assert.False(third.IsCompleted);
        Assert.Equal((2, 1), (gate.Running, gate.Waiting));
        first.Dispose();
        (await third).Dispose();
    }

    [Fact]
    public async Task Release_HandsTheSlotToTheFirstWaiter_InOrder()
    {
        var gate = new AdmissionGate(concurrency: 1, queue: 2, TimeSpan.FromHours(1), TimeProvider.System);
        var holder = await gate.EnterAsync(default);
        var a = gate.EnterAsync(default).AsTask();
        var b = gate.EnterAsync(default).AsTask();

        holder.Dispose();
        var leaseA = await a;

        Assert.False(b.IsCompleted);
        Assert.Equal((1, 1), (gate.Running, gate.Waiting));
        leaseA.Dispose();
        leaseA.Dispose(); // twice is once
        (await b).Dispose();
        Assert.Equal((0, 0), (gate.Running, gate.Waiting));
    }

    [Fact]
    public async Task PriorityCaller_HasItsOwnLaneAndIsServedFirst()
    {
        var gate = new AdmissionGate(concurrency: 1, queue: 1, TimeSpan.FromHours(1), TimeProvider.System);
        var holder = await gate.EnterAsync(default);
        var ordinary = gate.EnterAsync(default).AsTask();
        await Assert.ThrowsAsync<AdmissionRefusedException>(() => gate.EnterAsync(default).AsTask());

        var urgent = gate.EnterAsync(default, priority: true).AsTask();
        holder.Dispose();
        var urgentLease = await urgent;

        Assert.False(ordinary.IsCompleted);
        urgentLease.Dispose();
        (await ordinary).Dispose();
        Assert.Equal((0, 0), (gate.Running, gate.Waiting));
    }

    [Fact]
    public async Task Waiter_WhoseDeadlinePasses_IsRefusedAndLeavesTheQueue()
    {
        var gate = new AdmissionGate(concurrency: 1, queue: 1, TimeSpan.FromMilliseconds(50), TimeProvider.System);
        using var holder = await gate.EnterAsync(default);

        // Nothing releases the slot: only the deadline can end this wait.
        var refusal = await Assert.ThrowsAsync<AdmissionRefusedException>(() => gate.EnterAsync(default).AsTask());

        Assert.Equal(AdmissionRefusal.WaitedTooLong, refusal.Reason);
        Assert.Equal(TimeSpan.FromSeconds(1), refusal.RetryAfter);
        Assert.Equal((1, 0), (gate.Running, gate.Waiting));
    }

    [Fact]
    public async Task Waiter_WhoIsCancelled_LeavesTheQueueAndTheSlotGoesToTheNext()
    {
        var gate = new AdmissionGate(concurrency: 1, queue: 2, TimeSpan.FromHours(1), TimeProvider.System);
        var holder = await gate.EnterAsync(default);
        using var cancel = new CancellationTokenSource();
        var cancelled = gate.EnterAsync(cancel.Token).AsTask();
        var next = gate.EnterAsync(default).AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        holder.Dispose();

        (await next).Dispose();
        Assert.Equal((0, 0), (gate.Running, gate.Waiting));
    }
}
