using System.Reflection;
using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Http;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Server;

/// <summary>
/// <c>GET /health</c> (liveness with component checks), <c>GET /readiness</c>, and Friend-Lite's
/// pre-flight <c>GET /api/auth/health</c>. Each also carries the fields Friend-Lite's clients read
/// (<c>timestamp</c> in unix seconds, <c>services</c>, <c>overall_healthy</c>, <c>critical_services_healthy</c>).
/// </summary>
internal static class HealthEndpoints
{
    public static string Version { get; } =
        typeof(HealthEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public static Router MapHealth(this Router router, EdgeServer server)
    {
        router.MapGet("/health", context => HealthAsync(context, server), Access.Anonymous);
        router.MapGet("/readiness", context => ReadinessAsync(context, server), Access.Anonymous);
        router.MapGet("/api/auth/health", context => AuthHealthAsync(context, server), Access.Anonymous);
        router.MapGet("/auth/health", context => AuthHealthAsync(context, server), Access.Anonymous);
        return router;
    }

    private static async Task HealthAsync(RequestContext context, EdgeServer server)
    {
        var database = await CheckDatabaseAsync(server.Database, context.CancellationToken);
        var disk = CheckDisk(server.Disk.Current);
        var components = new Dictionary<string, ComponentHealth>
        {
            ["database"] = database,
            ["disk"] = disk,
            ["transcription"] = server.TranscriptionStatus.StartsWith("ok: ", StringComparison.Ordinal)
                ? new("ok", server.TranscriptionStatus[4..])
                : new("unavailable", server.TranscriptionStatus["unavailable: ".Length..]),
            ["vad"] = server.Vad,
            ["memory"] = new("ok", server.MemoryStatus),
            ["workers"] = CheckWorkers(server.Workers),
        };
        if (server.Speech is { } speech)
        {
            components["wyoming"] = new("ok", $"Home Assistant's speech-to-text on {speech.EndPoint}: {speech.Counters.Open} connected, "
                + $"{speech.Counters.Transcripts} voice commands transcribed");
        }

        // Degraded, not ok, when something asked for is missing: a model that did not load, a Silero VAD that fell back.
        var wanted = TranscriptionSetup.Transcribes(server.Options) && !server.TranscriptionStatus.StartsWith("ok: ", StringComparison.Ordinal);
        var status = database.Status != "ok" ? "unhealthy"
            : disk.Status != "ok" || wanted || server.Vad.Status != "ok" || components["workers"].Status != "ok" ? "degraded"
            : "ok";
        var reading = server.Disk.Current;
        var limits = new LimitsHealth(server.Options.MaxRealtimeFactor, server.Realtime?.Burst.TotalSeconds ?? 0, server.Realtime?.SessionsClosed ?? 0)
        {
            RecordingPaused = reading.Low,
            DiskFreeBytes = reading.Usage?.AvailableBytes,
            MinFreeDiskBytes = reading.FloorBytes,
            SessionsRefusedLowDisk = server.Disk.SessionsRefused,
            SessionsClosedLowDisk = server.Disk.SessionsClosed,
        };
        var activity = new ActivityHealth(server.Sessions.Count, server.Scheduler?.Queued ?? 0, server.Scheduler?.Running ?? 0,
            database.Status == "ok" ? await server.Jobs.CountAsync(TranscriptionScheduler.JobKind, "pending", context.CancellationToken) : 0)
        {
            ExtractionsPending = database.Status == "ok" ? await server.Jobs.CountAsync(ConversationStore.ExtractJobKind, "pending", context.CancellationToken) : 0,
        };
        // Friend-Lite's view: healthy means "ok", except transcription nobody asked for; only the database is critical.
        var services = components.ToDictionary(
            c => c.Key,
            c => new ServiceHealth(c.Value.Status, c.Value.Status == "ok" || (c.Key == "transcription" && !TranscriptionSetup.Transcribes(server.Options)), c.Key == "database"));
        var body = new HealthResponse(status, Version, Math.Round(server.Uptime.TotalSeconds, 3), components, limits, activity)
        {
            Timestamp = Now(server),
            Services = services,
            OverallHealthy = services.Values.All(s => s.Healthy),
            CriticalServicesHealthy = services.Values.All(s => s.Healthy || !s.Critical),
        };
        await context.WriteJsonAsync(status == "unhealthy" ? 503 : 200, body, HttpJsonContext.Default.HealthResponse);
    }

    private static async Task ReadinessAsync(RequestContext context, EdgeServer server)
    {
        if (server.IsStopping)
        {
            await context.WriteJsonAsync(503, new ReadinessResponse("not_ready", "shutting down") { Timestamp = Now(server) }, HttpJsonContext.Default.ReadinessResponse);
            return;
        }

        var database = await CheckDatabaseAsync(server.Database, context.CancellationToken);
        if (database.Status != "ok")
        {
            await context.WriteJsonAsync(503, new ReadinessResponse("not_ready", database.Detail) { Timestamp = Now(server) }, HttpJsonContext.Default.ReadinessResponse);
            return;
        }

        await context.WriteJsonAsync(200, new ReadinessResponse("ready", null) { Timestamp = Now(server) }, HttpJsonContext.Default.ReadinessResponse);
    }

    /// <summary>Friend-Lite's app asks this before signing in: can accounts be checked? The memory search lives in the same database.</summary>
    private static async Task AuthHealthAsync(RequestContext context, EdgeServer server)
    {
        var database = await CheckDatabaseAsync(server.Database, context.CancellationToken);
        var ok = database.Status == "ok";
        await context.WriteJsonAsync(ok ? 200 : 503, new AuthHealthResponse(ok ? "ok" : "error", database.Status, database.Status, Now(server)), HttpJsonContext.Default.AuthHealthResponse);
    }

    private static long Now(EdgeServer server) => server.Options.Time.GetUtcNow().ToUnixTimeSeconds();

    private static async Task<ComponentHealth> CheckDatabaseAsync(Database database, CancellationToken cancellationToken)
    {
        try
        {
            var version = await database.GetSchemaVersionAsync(cancellationToken);
            return new ComponentHealth("ok", $"schema version {version}");
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            return new ComponentHealth("error", $"the database does not answer: {Database.Describe(ex)}");
        }
    }

    /// <summary>Stuck when a worker has held work past its bound without progress (the watchdog is then not fed), naming it and for how long.</summary>
    private static ComponentHealth CheckWorkers(ProgressWatch watch) =>
        watch.Check() is { Count: > 0 } stuck
            ? new ComponentHealth("stuck", ProgressWatch.Describe(stuck))
            : new ComponentHealth("ok", $"{watch.Workers.Count} workers, none stuck");

    /// <summary>The watcher's last reading: degraded below the floor (recording paused), error when the free space cannot be read.</summary>
    private static ComponentHealth CheckDisk(FreeSpaceWatcher.Reading reading)
    {
        if (reading.Usage is not { } usage)
        {
            return new ComponentHealth("error", reading.Error);
        }

        var free = FreeSpaceWatcher.Mib(usage.AvailableBytes);
        var floor = FreeSpaceWatcher.Mib(reading.FloorBytes);
        return reading.Low ? new ComponentHealth("degraded", $"recording paused: {free} MiB free, below the {floor} MiB kept free (--min-free-disk)")
            : reading.Error is not null ? new ComponentHealth("error", $"{reading.Error} (last reading: {free} MiB free)")
            : new ComponentHealth("ok", $"{free} MiB free (keeps {floor} MiB)");
    }
}
