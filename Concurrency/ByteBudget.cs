namespace FriendLite.Edge.Concurrency;

/// <summary>
/// A bound on bytes in flight between a producer and its consumer, which a bounded channel counts
/// only in messages: the producer takes bytes before it hands over a message and waits while the
/// budget is spent; the consumer returns them once the message is handled. A message larger than
/// the whole budget still passes when nothing else is in flight, so nothing can wait forever.
/// </summary>
internal sealed class ByteBudget(long limit)
{
    private readonly Lock _gate = new();
    private long _used;
    private TaskCompletionSource? _returned;
    private bool _closed;

    public long Limit { get; } = limit;

    /// <summary>Bytes taken and not yet returned.</summary>
    public long Used
    {
        get
        {
            lock (_gate)
            {
                return _used;
            }
        }
    }

    /// <summary>Takes <paramref name="bytes"/>, waiting while they would overspend the budget.</summary>
    public async ValueTask TakeAsync(int bytes, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_closed || _used == 0 || _used + bytes <= Limit)
                {
                    _used += bytes;
                    return;
                }

                _returned ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _returned.Task;
            }

            await wait.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Takes <paramref name="bytes"/> without waiting (a message that must be handed over whatever the budget says).</summary>
    public void Take(int bytes)
    {
        lock (_gate)
        {
            _used += bytes;
        }
    }

    public void Return(int bytes)
    {
        TaskCompletionSource? returned;
        lock (_gate)
        {
            _used -= bytes;
            returned = _returned;
            _returned = null;
        }

        returned?.TrySetResult();
    }

    /// <summary>The consumer is gone: nothing will be returned, so nobody waits any more.</summary>
    public void Close()
    {
        TaskCompletionSource? returned;
        lock (_gate)
        {
            _closed = true;
            returned = _returned;
            _returned = null;
        }

        returned?.TrySetResult();
    }
}
