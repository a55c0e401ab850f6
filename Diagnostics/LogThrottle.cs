namespace FriendLite.Edge.Diagnostics;

/// <summary>
/// Keeps a flood of refusals from flooding the journal: at most one line per key (a reason, or a
/// reason and an address) per interval, and the line that gets through says how many were held
/// back since the last one. The table is bounded; when full it starts over, which at worst lets a
/// few more lines through.
/// </summary>
internal sealed class LogThrottle(TimeProvider time, TimeSpan interval)
{
    private const int MaximumKeys = 4096;
    private readonly Dictionary<string, (long LastLogged, long HeldBack)> _keys = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public static TimeSpan DefaultInterval { get; } = TimeSpan.FromSeconds(10);

    /// <summary>True when a line for <paramref name="key"/> may be written now; <paramref name="heldBack"/> is how many were not, since the last.</summary>
    public bool Allow(string key, out long heldBack)
    {
        var now = time.GetTimestamp();
        lock (_gate)
        {
            if (_keys.TryGetValue(key, out var entry) && time.GetElapsedTime(entry.LastLogged, now) < interval)
            {
                _keys[key] = entry with { HeldBack = entry.HeldBack + 1 };
                heldBack = 0;
                return false;
            }

            if (_keys.Count >= MaximumKeys)
            {
                _keys.Clear();
            }

            heldBack = entry.HeldBack;
            _keys[key] = (now, 0);
            return true;
        }
    }
}
