namespace FriendLite.Edge.Accounts;

/// <summary>
/// Login attempts by key (an address or an account), for <see cref="LoginRateLimiter"/>, which
/// holds its lock around every call. Bounded: a new key in a full table first prunes every key,
/// then, if all are still live, forgets the tenth of the keys whose latest attempts are oldest
/// (a tenth at once, so that a flood of new keys costs a sort every thousand keys, not a scan each).
/// </summary>
internal sealed class AttemptTable(int maximumKeys)
{
    private static readonly List<LoginAttempt> s_none = [];
    private readonly Dictionary<string, List<LoginAttempt>> _byKey = new(StringComparer.Ordinal);

    public int Count => _byKey.Count;

    /// <summary>The key's attempts still in the window (answered after <paramref name="cutoff"/>, or not answered yet); do not change the list.</summary>
    public List<LoginAttempt> Live(string key, DateTimeOffset cutoff)
    {
        if (!_byKey.TryGetValue(key, out var attempts))
        {
            return s_none;
        }

        Prune(attempts, cutoff);
        if (attempts.Count == 0)
        {
            _byKey.Remove(key);
            return s_none;
        }

        return attempts;
    }

    public void Add(string key, LoginAttempt attempt, DateTimeOffset cutoff)
    {
        if (!_byKey.TryGetValue(key, out var attempts))
        {
            if (_byKey.Count >= maximumKeys)
            {
                MakeRoom(cutoff);
            }

            attempts = [];
            _byKey[key] = attempts;
        }

        attempts.Add(attempt);
    }

    public void Remove(string key, LoginAttempt attempt)
    {
        if (_byKey.TryGetValue(key, out var attempts) && attempts.Remove(attempt) && attempts.Count == 0)
        {
            _byKey.Remove(key);
        }
    }

    private static void Prune(List<LoginAttempt> attempts, DateTimeOffset cutoff) =>
        attempts.RemoveAll(a => !a.Pending && a.At <= cutoff);

    private void MakeRoom(DateTimeOffset cutoff)
    {
        foreach (var (key, attempts) in _byKey.ToList())
        {
            Prune(attempts, cutoff);
            if (attempts.Count == 0)
            {
                _byKey.Remove(key);
            }
        }

        if (_byKey.Count >= maximumKeys)
        {
            var stalest = _byKey.OrderBy(pair => pair.Value.Max(a => a.At)).Take(Math.Max(1, maximumKeys / 10)).Select(pair => pair.Key).ToList();
            stalest.ForEach(key => _byKey.Remove(key));
        }
    }
}
