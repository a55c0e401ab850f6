namespace FriendLite.Edge.Concurrency;

/// <summary>
/// At most <c>concurrency</c> holders at once; up to <c>queue</c> more wait their turn in order,
/// each for at most <c>maxWait</c> (measured on the given clock). Priority callers have a lane of
/// their own, as long, served first: a flood of ordinary callers cannot push them out. Past either bound the caller is
/// refused at once with <see cref="AdmissionRefusedException"/>, so a burst costs a short answer
/// instead of a pile of waiting work. Waiting takes no thread. The holder disposes its lease,
/// which hands the slot straight to the first waiter.
/// </summary>
internal sealed class AdmissionGate
{
    private readonly LinkedList<Waiter> _waiting = new();
    private readonly LinkedList<Waiter> _priority = new();
    private readonly Lock _gate = new();
    private readonly int _concurrency;
    private readonly int _queue;
    private readonly TimeSpan _maxWait;
    private readonly TimeProvider _time;
    private int _running;

    public AdmissionGate(int concurrency, int queue, TimeSpan maxWait, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(queue);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxWait, TimeSpan.Zero);
        (_concurrency, _queue, _maxWait, _time) = (concurrency, queue, maxWait, time);
        RetryAfter = TimeSpan.FromSeconds(Math.Clamp(Math.Ceiling(maxWait.TotalSeconds), 1, 60));
    }

    /// <summary>What a refused caller is told to wait: the deadline (a full queue clears within about that), at most a minute.</summary>
    public TimeSpan RetryAfter { get; }

    public int Running
    {
        get
        {
            lock (_gate)
            {
                return _running;
            }
        }
    }

    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count + _priority.Count;
            }
        }
    }

    /// <summary>A slot, once free; refused at once when the queue is full, or when the wait passes its deadline.</summary>
    public async ValueTask<IDisposable> EnterAsync(CancellationToken cancellationToken, bool priority = false)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var waiter = new Waiter();
        lock (_gate)
        {
            if (_running < _concurrency)
            {
                _running++;
                return new Lease(this);
            }

            var lane = priority ? _priority : _waiting;
            if (lane.Count >= _queue)
            {
                throw new AdmissionRefusedException(AdmissionRefusal.QueueFull, RetryAfter);
            }

            waiter.Node = lane.AddLast(waiter);
        }

        using var deadline = _time.CreateTimer(_ => Leave(waiter, new AdmissionRefusedException(AdmissionRefusal.WaitedTooLong, RetryAfter)), null, _maxWait, Timeout.InfiniteTimeSpan);
        await using var cancelled = cancellationToken.Register(() => Leave(waiter, new OperationCanceledException(cancellationToken)));
        await waiter.Turn.Task;
        return new Lease(this);
    }

    private void Leave(Waiter waiter, Exception why)
    {
        lock (_gate)
        {
            // Already handed a slot: the turn is its to use (or to give back), not to refuse.
            if (waiter.Node?.List is not { } lane)
            {
                return;
            }

            lane.Remove(waiter.Node);
        }

        waiter.Turn.TrySetException(why);
    }

    private void Release()
    {
        Waiter? next;
        lock (_gate)
        {
            var lane = _priority.Count > 0 ? _priority : _waiting;
            next = lane.First?.Value;
            if (next is null)
            {
                _running--;
                return;
            }

            lane.RemoveFirst();
        }

        next.Turn.TrySetResult();
    }

    private sealed class Waiter
    {
        public TaskCompletionSource Turn { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }
    }

    private sealed class Lease(AdmissionGate owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release();
            }
        }
    }
}

internal enum AdmissionRefusal
{
    /// <summary>As many callers as the queue holds were already waiting.</summary>
    QueueFull,

    /// <summary>The caller waited its whole deadline without a slot coming free.</summary>
    WaitedTooLong,
}

/// <summary>An <see cref="AdmissionGate"/> refused the caller: say so, and when to try again.</summary>
internal sealed class AdmissionRefusedException : Exception
{
    public AdmissionRefusedException(AdmissionRefusal reason, TimeSpan retryAfter)
        : base(reason == AdmissionRefusal.QueueFull ? "Too many callers are already waiting." : "No slot came free in time.")
    {
        Reason = reason;
        RetryAfter = retryAfter;
    }

    public AdmissionRefusedException()
    {
    }

    public AdmissionRefusedException(string message)
        : base(message)
    {
    }

    public AdmissionRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AdmissionRefusal Reason { get; }

    public TimeSpan RetryAfter { get; }
}
