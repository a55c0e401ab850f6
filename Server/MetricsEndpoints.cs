using System.Diagnostics;
using System.Globalization;
using System.Text;
using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Connections;
using FriendLite.Edge.Http;

namespace FriendLite.Edge.Server;

/// <summary>
/// <c>GET /metrics</c> (admin): the server's counts in Prometheus' text format (version 0.0.4), for
/// a scraper with an admin token: devices, transcription, jobs by kind and state, extractions,
/// connections, refusals, and the process (descriptors, threads, memory, CPU, task groups).
/// </summary>
internal static class MetricsEndpoints
{
    public static Router MapMetrics(this Router router, EdgeServer server)
    {
        router.MapGet("/metrics", context => WriteAsync(context, server), Access.Admin);
        return router;
    }

    private static async Task WriteAsync(RequestContext context, EdgeServer server)
    {
        var text = new Metrics();
        text.Gauge("friendlite_up", "1 while the server runs.", 1);
        text.Gauge("friendlite_uptime_seconds", "Seconds since the server started.", Math.Round(server.Uptime.TotalSeconds, 3));
        text.Gauge("friendlite_devices", "Device sessions connected now.", server.Sessions.Count);
        text.Gauge("friendlite_transcription_queued", "Speech segments waiting in memory for transcription.", server.Scheduler?.Queued ?? 0);
        text.Gauge("friendlite_transcription_running", "Speech segments being transcribed now.", server.Scheduler?.Running ?? 0);
        text.Counter("friendlite_transcription_completed_total", "Speech segments transcribed since start.", server.Scheduler?.Completed ?? 0);
        text.Counter("friendlite_extractions_completed_total", "Conversations extracted into memories since start.", server.Extraction.Completed);
        text.Header("friendlite_jobs", "Durable jobs by kind and state.", "gauge");
        foreach (var (kind, state, count) in await server.Jobs.CountByKindAndStateAsync(context.CancellationToken))
        {
            text.Sample("friendlite_jobs", count, ("kind", kind), ("state", state));
        }

        text.Gauge("friendlite_connections_open", "Connections open at the gate now.", server.Gate.Open);
        text.Counter("friendlite_connections_accepted_total", "Connections the gate accepted since start.", server.Gate.Counters.Accepted);
        text.Header("friendlite_connections_ended_total", "Connections the gate refused or ended, by reason, since start.", "counter");
        foreach (var end in Enum.GetValues<ConnectionEnd>())
        {
            text.Sample("friendlite_connections_ended_total", server.Gate.Counters[end], ("reason", ConnectionCounters.Wording(end)));
        }

        text.Counter("friendlite_sessions_over_realtime_total", "Device sessions closed for sending faster than --max-realtime-factor.", server.Realtime?.SessionsClosed ?? 0);
        text.Counter("friendlite_sessions_refused_low_disk_total", "Device sessions refused while free space was below --min-free-disk.", server.Disk.SessionsRefused);
        text.Gauge("friendlite_recording_paused", "1 while free space is below --min-free-disk.", server.Disk.Current.Low ? 1 : 0);
        var counts = ProcessCounts.Read();
        using var process = Process.GetCurrentProcess();
        text.Gauge("process_open_fds", "Open file descriptors.", counts.OpenFileDescriptors);
        text.Gauge("process_threads", "Threads of the process.", counts.Threads);
        text.Gauge("process_resident_memory_bytes", "Resident memory.", process.WorkingSet64);
        text.Counter("process_cpu_seconds_total", "CPU time used, user and system.", Math.Round(process.TotalProcessorTime.TotalSeconds, 3));
        text.Gauge("friendlite_task_groups", "Live task groups (the server's, and one per request and device session).", counts.LiveGroups);
        text.Counter("friendlite_task_failures_total", "Tasks that failed with something other than their group's cancellation.", TaskGroup.FailureCount);

        var body = Encoding.UTF8.GetBytes(text.ToString());
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        context.Response.ContentLength64 = body.Length;
        if (context.Request.HttpMethod != "HEAD")
        {
            await context.Response.OutputStream.WriteAsync(body, context.CancellationToken);
        }
    }

    /// <summary>Prometheus' text format: a HELP and TYPE line per metric, then its samples.</summary>
    private sealed class Metrics
    {
        private readonly StringBuilder _text = new();

        public void Header(string name, string help, string type) =>
            _text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n').Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

        public void Gauge(string name, string help, double value)
        {
            Header(name, help, "gauge");
            Sample(name, value);
        }

        public void Counter(string name, string help, double value)
        {
            Header(name, help, "counter");
            Sample(name, value);
        }

        public void Sample(string name, double value, params (string Key, string Value)[] labels)
        {
            _text.Append(name);
            if (labels.Length > 0)
            {
                _text.Append('{').AppendJoin(',', labels.Select(l => $"{l.Key}=\"{Escape(l.Value)}\"")).Append('}');
            }

            _text.Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }

        public override string ToString() => _text.ToString();

        private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }
}
