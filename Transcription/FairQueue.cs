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

    /// <summary>Takes back a session's requests that no worker has started.</summary>
    public IReadOnlyList<TranscriptionRequest> Withdraw(string session)
    {
        lock (_gate)
        {
            if (!_bySession.Remove(session, out var queue))
            {
                return [];
            }

            _turns.Remove(session);
            _count -= queue.Count;
            return [.. queue];
        }
    }
}
