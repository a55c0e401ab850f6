namespace FriendLite.Edge.Accounts;

/// <summary>
/// Counts failed logins per remote address in a sliding window; past the limit, logins from that
/// address are refused until the oldest failure leaves the window. No timer: entries are pruned
/// as they are touched, and the table is bounded so a flood of addresses cannot grow it forever.
/// </summary>
internal sealed class LoginRateLimiter(int limit, TimeSpan window, TimeProvider time)
{
    private const int MaximumAddresses = 10_000;
    private readonly Dictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Zero when the address may try; otherwise how long it must wait.</summary>
    public TimeSpan RetryAfter(string address)
    {
        lock (_gate)
        {
            if (!_failures.TryGetValue(address, out var failures))
            {
                return TimeSpan.Zero;
            }

            var now = time.GetUtcNow();
            Prune(failures, now);
            if (failures.Count == 0)
            {
                _failures.Remove(address);
                return TimeSpan.Zero;
            }

            return failures.Count >= limit ? failures.Peek() + window - now : TimeSpan.Zero;
        }
    }

    public void RecordFailure(string address)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (!_failures.TryGetValue(address, out var failures))
            {
                if (_failures.Count >= MaximumAddresses)
                {
                    PruneAll(now);
                }

                failures = new Queue<DateTimeOffset>();
                _failures[address] = failures;
            }

            failures.Enqueue(now);
            while (failures.Count > limit)
            {
                failures.Dequeue();
            }
        }
    }

    public void RecordSuccess(string address)
    {
        lock (_gate)
        {
            _failures.Remove(address);
        }
    }

    private void Prune(Queue<DateTimeOffset> failures, DateTimeOffset now)
    {
        while (failures.Count > 0 && failures.Peek() + window <= now)
        {
            failures.Dequeue();
        }
    }

    private void PruneAll(DateTimeOffset now)
    {
        foreach (var (address, failures) in _failures.ToList())
        {
            Prune(failures, now);
            if (failures.Count == 0)
            {
                _failures.Remove(address);
            }
        }

        // Still full of live entries: forget the address whose latest failure is oldest.
        if (_failures.Count >= MaximumAddresses)
        {
            var stalest = _failures.MinBy(pair => pair.Value.Last()).Key;
            _failures.Remove(stalest);
        }
    }
}
