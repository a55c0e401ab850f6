using System.Text;
using FriendLite.Edge.Concurrency;

namespace FriendLite.Edge.Sessions;

/// <summary>
/// The one registry of live device sessions: one dictionary keyed by client id, changed under one
/// lock (it replaces Friend-Lite's three drifting dictionaries). An entry exists from before the
/// WebSocket is accepted until the session's cleanup has finished, so a reconnecting device whose
/// previous session is still draining gets a new id (<c>-2</c>, <c>-3</c>, …) and never shares a
/// conversation or WAV file with it. Which user owns which client is also kept in SQLite.
/// </summary>
internal sealed class SessionRegistry(int maxSessions)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SessionEntry> _sessions = new(StringComparer.Ordinal);
    private int _others;

    public int MaxSessions { get; } = maxSessions;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>Connections that count against <see cref="MaxSessions"/> without being device sessions (Home Assistant's Wyoming connections).</summary>
    public int OtherCount
    {
        get
        {
            lock (_gate)
            {
                return _others;
            }
        }
    }

    /// <summary>Takes one of <see cref="MaxSessions"/> for a connection that is not a device session; false when the server is full.</summary>
    public bool TryReserveOther()
    {
        lock (_gate)
        {
            if (_sessions.Count + _others >= MaxSessions)
            {
                return false;
            }

            _others++;
            return true;
        }
    }

    /// <summary>Gives back a place <see cref="TryReserveOther"/> took.</summary>
    public void ReleaseOther()
    {
        lock (_gate)
        {
            _others--;
        }
    }

    /// <summary>
    /// Reserves a client id for a new connection, or returns null when the server is full.
    /// <paramref name="tokenVersion"/> is the version of the token it was let in with (see the revocation sweep).
    /// </summary>
    public SessionEntry? TryRegister(string userId, string? deviceName, string protocol, int tokenVersion = 0)
    {
        var baseId = BaseClientId(userId, deviceName);
        lock (_gate)
        {
            if (_sessions.Count + _others >= MaxSessions)
            {
                return null;
            }

            var clientId = baseId;
            for (var n = 2; _sessions.ContainsKey(clientId); n++)
            {
                clientId = $"{baseId}-{n}";
            }

            var entry = new SessionEntry(clientId, userId, deviceName, protocol, DateTimeOffset.UtcNow) { TokenVersion = tokenVersion };
            _sessions.Add(clientId, entry);
            return entry;
        }
    }

    public void Remove(SessionEntry entry)
    {
        lock (_gate)
        {
            if (_sessions.TryGetValue(entry.ClientId, out var current) && ReferenceEquals(current, entry))
            {
                _sessions.Remove(entry.ClientId);
            }
        }
    }

    public SessionEntry? Find(string clientId)
    {
        lock (_gate)
        {
            return _sessions.GetValueOrDefault(clientId);
        }
    }

    /// <summary>
    /// Ends a user's live sessions with a close saying why (1008), and waits until they have
    /// finished (conversations closed, files released) or <paramref name="timeout"/> has passed;
    /// false when some were still live then. <paramref name="only"/> picks some of them (e.g. those
    /// let in with a revoked token).
    /// </summary>
    public async Task<bool> EndUserSessionsAsync(string userId, string reason, TimeSpan timeout, CancellationToken cancellationToken, Func<SessionEntry, bool>? only = null)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (List(userId).Where(e => only is null || only(e)).ToList() is { Count: > 0 } live)
        {
            foreach (var entry in live)
            {
                if (entry.Session is { } session)
                {
                    await session.EndAsync(System.Net.WebSockets.WebSocketCloseStatus.PolicyViolation, reason);
                }
            }

            if (System.Diagnostics.Stopwatch.GetElapsedTime(started) > timeout)
            {
                return false;
            }

            await Task.Delay(20, cancellationToken);
        }

        return true;
    }

    /// <summary>Live sessions, of one user or (null) of everyone.</summary>
    public IReadOnlyList<SessionEntry> List(string? userId)
    {
        lock (_gate)
        {
            return [.. _sessions.Values.Where(s => userId is null || s.UserId == userId).OrderBy(s => s.ConnectedAt)];
        }
    }

    /// <summary>
    /// Friend-Lite's client id: the last 6 characters of the user id, a dash, then the device name
    /// lowercased, filtered to [a-z0-9-] and cut to 10 characters, or the first 8 hex digits of a
    /// random uuid when there is no usable device name.
    /// </summary>
    public static string BaseClientId(string userId, string? deviceName)
    {
        var device = new StringBuilder();
        foreach (var c in (deviceName ?? "").ToLowerInvariant())
        {
            if (char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            {
                device.Append(c);
            }

            if (device.Length == 10)
            {
                break;
            }
        }

        var suffix = device.Length > 0 ? device.ToString() : Guid.NewGuid().ToString("N")[..8];
        return $"{userId[^Math.Min(6, userId.Length)..]}-{suffix}";
    }
}

/// <summary>One live connection in the registry. <see cref="Session"/> is set once the WebSocket is accepted.</summary>
internal sealed class SessionEntry(string clientId, string userId, string? deviceName, string protocol, DateTimeOffset connectedAt)
{
    public string ClientId { get; } = clientId;

    public string UserId { get; } = userId;

    public string? DeviceName { get; } = deviceName;

    public string Protocol { get; } = protocol;

    public DateTimeOffset ConnectedAt { get; } = connectedAt;

    /// <summary>The token version of the user when the session was let in; a higher one in the user's row revokes it.</summary>
    public int TokenVersion { get; init; }

    public ClientSession? Session { get; set; }

    /// <summary>The session's task group (<c>session {client id}</c>), for the session API's task tree; null until it is made.</summary>
    public TaskGroup? Group { get; set; }
}
