using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Jobs;

/// <summary>What an administrator is told about jobs, the same from <c>jobs</c> and <c>/api/jobs</c>.</summary>
internal static class JobAnswers
{
    public static IReadOnlyList<string> States { get; } = ["pending", "running", "done", "failed", "cancelled"];

    /// <summary>Why a retry or cancel changed nothing; null when it was done.</summary>
    public static string? Refusal(JobChange change, long id, string? state, bool retry) => change switch
    {
        JobChange.NotFound => $"No job has the id {id}.",
        JobChange.Running => $"Job {id} is running; {(retry ? "retry" : "cancel")} it once it has stopped.",
        JobChange.Finished => $"Job {id} is {state}; only {(retry ? "pending, failed or cancelled" : "pending or failed")} jobs can be {(retry ? "retried" : "cancelled")}.",
        _ => null,
    };
}
