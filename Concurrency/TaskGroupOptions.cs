using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Concurrency;

/// <summary>Settings a group passes to its nested groups.</summary>
internal sealed record TaskGroupOptions(TimeSpan StragglerGrace, Log Log, Action<string, IReadOnlyList<string>>? OnStragglers = null)
{
    public static TaskGroupOptions Default { get; } = new(TimeSpan.FromSeconds(5), Log.Null);
}
