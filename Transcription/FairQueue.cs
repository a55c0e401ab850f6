namespace FriendLite.Edge.Transcription;

/// <summary>
/// A bounded queue that serves sessions round-robin: each session's requests stay in order, and
/// a device that talks a lot waits its turn behind the others instead of starving them.
/// Thread-safe; waiting is the caller's business (the scheduler signals workers).
/// </summary>
internal sealed class FairQueue(int capacity)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<TranscriptionRequest>> _bySession = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _turns = new();
    private int _count;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    public bool TryEnqueue(TranscriptionRequest request)
    {
        lock (_gate)
        {
            if (_count >= capacity)
            {
                return false;
            }

            if (!_bySession.TryGetValue(request.Session, out var queue))
            {
                _bySession[request.Session] = queue = new Queue<TranscriptionRequest>();
                _turns.AddLast(request.Session);
            }

            queue.Enqueue(request);
            _count++;
            return true;
        }
    }

    public TranscriptionRequest? TryDequeue()
    {
        lock (_gate)
        {
            if (_turns.First is not { } turn)
            {
                return null;
            }

            _turns.RemoveFirst();
            var queue = _bySession[turn.Value];
            var request = queue.Dequeue();
            _count--;
            if (queue.Count > 0)
            {
                _turns.AddLast(turn); // next time, the others go first
            }
            else
            {
                _bySession.Remove(turn.Value);
            }

            return request;
        }
    }

    /// <summary>
    /// Takes back those of <paramref name="requests"/> that no worker has started (by identity: a
    /// device that reconnects under the same client id shares the turn, not the withdrawal).
    /// </summary>
    public IReadOnlyList<TranscriptionRequest> Withdraw(IReadOnlyCollection<TranscriptionRequest> requests)
    {
        var wanted = new HashSet<TranscriptionRequest>(requests, ReferenceEqualityComparer.Instance);
        var taken = new List<TranscriptionRequest>();
        lock (_gate)
        {
            foreach (var session in requests.Select(r => r.Session).Distinct(StringComparer.Ordinal))
            {
                if (!_bySession.TryGetValue(session, out var queue))
                {
                    continue;
                }

                var kept = new Queue<TranscriptionRequest>(queue.Count);
                foreach (var request in queue)
                {
                    if (wanted.Contains(request))
                    {
                        taken.Add(request);
                    }
                    else
                    {
                        kept.Enqueue(request);
                    }
                }

                _count -= queue.Count - kept.Count;
                if (kept.Count > 0)
                {
                    _bySession[session] = kept; // keeps its place in the turns
                }
                else
                {
                    _bySession.Remove(session);
                    _turns.Remove(session);
                }
            }
        }

        return taken;
    }
}
