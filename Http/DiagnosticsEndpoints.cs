using FriendLite.Edge.Sessions;

namespace FriendLite.Edge.Http;

/// <summary><c>GET /api/debug/sessions</c> (admin): the live task tree and the process counts the lifecycle invariants are checked against.</summary>
internal static class DiagnosticsEndpoints
{
    public static Router MapDiagnostics(this Router router, EdgeServer server)
    {
        router.MapGet("/api/debug/sessions", context =>
        {
            var counts = ProcessCounts.Read();
            var sessions = server.Sessions.List(userId: null)
                .Select(s => new ActiveClient(s.ClientId, s.UserId, s.DeviceName, s.Protocol, s.ConnectedAt, s.Session?.CurrentConversationId))
                .ToList();
            var body = new DebugSessionsResponse(
                server.Snapshot(),
                new ProcessCountsResponse(counts.OpenFileDescriptors, counts.Threads, sessions.Count, counts.LiveGroups, counts.ManagedHeapBytes, TaskGroup.FailureCount),
                sessions);
            return context.WriteJsonAsync(200, body, HttpJsonContext.Default.DebugSessionsResponse);
        }, Access.Admin);
        return router;
    }
}
