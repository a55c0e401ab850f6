using Microsoft.Data.Sqlite;

namespace FriendLite.Edge.Storage;

/// <summary>
/// Storage errors that may pass (SQLITE_BUSY and SQLITE_LOCKED past the busy timeout, SQLITE_IOERR):
/// an operation gets a few more tries with a growing pause before its failure counts. Anything else
/// fails at once.
/// </summary>
internal static class Transient
{
    private const int Busy = 5;
    private const int Locked = 6;
    private const int IoError = 10;

    public static bool IsTransient(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: Busy or Locked or IoError } or IOException;

    /// <summary>Runs <paramref name="operation"/>, retrying transient failures: <paramref name="attempts"/> tries in all, 100 ms, 200 ms, ... apart.</summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> operation, int attempts = 3, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation();
            }
            catch (Exception ex) when (attempt < attempts && IsTransient(ex))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 << (attempt - 1)), cancellationToken);
            }
        }
    }

    public static Task RetryAsync(Func<Task> operation, int attempts = 3, CancellationToken cancellationToken = default) =>
        RetryAsync(async () =>
        {
            await operation();
            return true;
        }, attempts, cancellationToken);
}
