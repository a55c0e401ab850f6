namespace FriendLite.Edge.Concurrency;

/// <summary>One child of a group in a snapshot: its name, state and age.</summary>
internal sealed record TaskSnapshot(string Name, string State, double AgeSeconds);

/// <summary>A group in a snapshot: its state and age, its children and its nested groups.</summary>
internal sealed record TaskGroupSnapshot(
    string Name,
    string State,
    double AgeSeconds,
    IReadOnlyList<TaskSnapshot> Children,
    IReadOnlyList<TaskGroupSnapshot> Groups)
{
    /// <summary>This group and every nested group, depth first.</summary>
    public int GroupCount => 1 + Groups.Sum(g => g.GroupCount);
}
