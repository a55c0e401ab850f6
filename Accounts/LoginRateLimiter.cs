namespace FriendLite.Edge.Accounts;

/// <summary>Which limit refused a login.</summary>
internal enum LoginLimit
{
    Address,
    Account,
}

/// <summary>A login refused before any password was checked: which limit, and how long until it may try again.</summary>
internal readonly record struct LoginRefusal(LoginLimit Limit, TimeSpan RetryAfter);

/// <summary>
/// Failed logins in a sliding window, counted per remote address and per account (the email as
/// typed, trimmed and lower-cased). An attempt is counted <em>before</em> its password is checked
/// (<see cref="TryBegin"/> reserves a slot under the lock), so parallel attempts cannot overshoot a
/// limit; the slot stays as a failure, or is given back when the password was right or no answer
/// was given. The per-account limit only applies to addresses that have not logged in to that
/// account lately, so strangers guessing at an account do not lock out the household's own devices;
/// an address is always held to its own limit. No timer: entries are pruned as they are touched,
/// and every table is bounded so a flood of addresses or emails cannot grow it forever.
/// </summary>
internal sealed class LoginRateLimiter(int perAddress, int perAccount, TimeSpan window, TimeSpan rememberSuccess, TimeProvider time)
{
    private const int MaximumKeys = 10_000;
    private const int MaximumEmailLength = 254;
    private readonly AttemptTable _addresses = new(MaximumKeys);
    private readonly AttemptTable _accounts = new(MaximumKeys);
    private readonly Dictionary<(string Account, string Address), DateTimeOffset> _successes = [];
    private readonly Lock _gate = new();

    /// <summary>Keys held in the tables (each is bounded; exposed so tests can check it).</summary>
    public int TrackedKeys
    {
        get
        {
            lock (_gate)
            {
                return _addresses.Count + _accounts.Count + _successes.Count;
            }
        }
    }

    /// <summary>
    /// Counts an attempt from <paramref name="address"/> at <paramref name="email"/>, or says which
    /// limit refuses it. The caller ends the attempt with <see cref="LoginAttempt.Succeeded"/> or
    /// <see cref="LoginAttempt.Failed"/>; disposing it without either gives the slot back.
    /// </summary>
    public LoginAttempt? TryBegin(string address, string email, out LoginRefusal refusal)
    {
        var account = AccountKey(email);
        lock (_gate)
        {
            var now = time.GetUtcNow();
            var fromAddress = _addresses.Live(address, now - window);
            if (fromAddress.Count >= perAddress)
            {
                refusal = new LoginRefusal(LoginLimit.Address, RetryAfter(fromAddress, now));
                return null;
            }

            var atAccount = _accounts.Live(account, now - window);
            var known = KnownAddress(account, address, now);
            if (atAccount.Count >= perAccount && !known)
            {
                refusal = new LoginRefusal(LoginLimit.Account, RetryAfter(atAccount, now));
                return null;
            }

            var attempt = new LoginAttempt(this, address, account, now) { FromKnownAddress = known };
            _addresses.Add(address, attempt, now - window);
            _accounts.Add(account, attempt, now - window);
            refusal = default;
            return attempt;
        }
    }

    internal void End(LoginAttempt attempt, bool? failed)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (failed == true)
            {
                // The window starts at the answer, as the client saw it.
                attempt.At = now;
                attempt.Pending = false;
                return;
            }

            _addresses.Remove(attempt.Address, attempt);
            _accounts.Remove(attempt.Account, attempt);
            if (failed == false)
            {
                Remember(attempt.Account, attempt.Address, now);
            }
        }
    }

    private bool KnownAddress(string account, string address, DateTimeOffset now) =>
        _successes.TryGetValue((account, address), out var last) && last + rememberSuccess > now;

    private void Remember(string account, string address, DateTimeOffset now)
    {
        if (_successes.Count >= MaximumKeys && !_successes.ContainsKey((account, address)))
        {
            // Only correct passwords add entries, so a flood cannot push the household out; forget the stalest.
            foreach (var stale in _successes.Where(pair => pair.Value + rememberSuccess <= now).Select(pair => pair.Key).ToList())
            {
                _successes.Remove(stale);
            }

            if (_successes.Count >= MaximumKeys)
            {
                _successes.Remove(_successes.MinBy(pair => pair.Value).Key);
            }
        }

        _successes[(account, address)] = now;
    }

    private TimeSpan RetryAfter(List<LoginAttempt> attempts, DateTimeOffset now)
    {
        var wait = attempts.Min(a => a.At) + window - now;
        return wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait;
    }

    /// <summary>Emails compare without case, as the user store does; anything too long to be one shares a single key.</summary>
    private static string AccountKey(string email)
    {
        var trimmed = email.Trim();
        return trimmed.Length > MaximumEmailLength ? "(not an email)" : trimmed.ToLowerInvariant();
    }
}

/// <summary>One login attempt counted by <see cref="LoginRateLimiter"/> while its password is checked.</summary>
internal sealed class LoginAttempt : IDisposable
{
    private readonly LoginRateLimiter _limiter;
    private int _ended;

    internal LoginAttempt(LoginRateLimiter limiter, string address, string account, DateTimeOffset at)
    {
        _limiter = limiter;
        Address = address;
        Account = account;
        At = at;
    }

    internal string Address { get; }

    internal string Account { get; }

    /// <summary>The address has logged in to this account lately (its password check may go first).</summary>
    public bool FromKnownAddress { get; init; }

    /// <summary>When it was counted, then when it failed; guarded by the limiter's lock.</summary>
    internal DateTimeOffset At { get; set; }

    /// <summary>Not answered yet: it holds its slot however long its check takes; guarded by the limiter's lock.</summary>
    internal bool Pending { get; set; } = true;

    /// <summary>The password was right: the attempt is not a failure, and this address is now known to the account.</summary>
    public void Succeeded() => End(false);

    /// <summary>The credentials were wrong: the attempt stays counted for the window.</summary>
    public void Failed() => End(true);

    /// <summary>Ends an attempt that got no credential answer (refused for load, cancelled, failed): it is not counted.</summary>
    public void Dispose() => End(null);

    private void End(bool? failed)
    {
        if (Interlocked.Exchange(ref _ended, 1) == 0)
        {
            _limiter.End(this, failed);
        }
    }
}
