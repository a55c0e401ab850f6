namespace FriendLite.Edge.Concurrency;

internal static class TaskGroupExtensions
{
    /// <summary>Cancels and waits for the group without throwing its failures (they were logged when they happened).</summary>
    public static async Task DisposeQuietlyAsync(this TaskGroup group)
    {
        try
        {
            await group.DisposeAsync();
        }
        catch (Exception)
        {
            // Each failure was logged and counted by the group when it happened.
        }
    }

    /// <summary>Waits for the group to finish without throwing its failures (they were logged when they happened).</summary>
    public static async Task WaitQuietlyAsync(this TaskGroup group)
    {
        try
        {
            await group.WaitAsync();
        }
        catch (Exception)
        {
            // Each failure was logged and counted by the group when it happened.
        }
    }
}
