using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Connections;
using FriendLite.Edge.Http;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Server;

/// <summary><c>GET /api/debug/sessions</c> (admin): the live task tree and the process counts the lifecycle invariants are checked against.</summary>
internal static class DiagnosticsEndpoints
{
    public static Router MapDiagnostics(this Router router, EdgeServer server)
    {
        router.MapGet("/api/debug/sessions", async context =>
        {
            var counts = ProcessCounts.Read();
            var sessions = await ActiveClient.ListAsync(server.Sessions.List(userId: null), server.Jobs, context.CancellationToken);
            var scheduler = server.Scheduler;
            var transcription = new TranscriptionCountsResponse(
                server.TranscriptionStatus,
                scheduler?.Queued ?? 0,
                scheduler?.Running ?? 0,
                scheduler?.Completed ?? 0,
                await server.Jobs.CountAsync(TranscriptionScheduler.JobKind, "pending", context.CancellationToken));
            var body = new DebugSessionsResponse(
                server.Snapshot(),
                new ProcessCountsResponse(counts.OpenFileDescriptors, counts.Threads, sessions.Count, counts.LiveGroups, counts.ManagedHeapBytes, TaskGroup.FailureCount,
                    counts.ResidentBytes),
                sessions,
                transcription,
                new ConnectionCountsResponse(
                    server.Gate.Open,
                    server.Gate.Counters.Accepted,
                    Enum.GetValues<ConnectionEnd>().ToDictionary(ConnectionCounters.Wording, end => server.Gate.Counters[end])));
            await context.WriteJsonAsync(200, body, HttpJsonContext.Default.DebugSessionsResponse);
        }, Access.Admin);
        return router;
    }
}
