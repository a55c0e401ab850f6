using System.Diagnostics;
using System.Globalization;
using System.Text;
using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Connections;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Http;
using FriendLite.Edge.Sessions;

namespace FriendLite.Edge.Server;

/// <summary>
/// <c>GET /metrics</c>: the server's counts in Prometheus' text format (version 0.0.4): devices and
/// their audio, conversations, transcription (with its latency), jobs by kind and state,
/// extractions, circuit breakers, workers, connections, refusals, and the process (descriptors,
/// threads, memory, CPU, task groups). For administrators on the public port; for anyone on
/// <c>--metrics-listen</c>'s.
/// </summary>
internal static class MetricsEndpoints
{
    /// <summary>A scheduler's latency histogram when there is no scheduler: the family is there, empty.</summary>
    private static readonly Histogram s_noLatency = Histogram.Seconds();
    private static readonly Histogram s_noCommandLatency = Histogram.Interactive();

    public static Router MapMetrics(this Router router, EdgeServer server, Access access = Access.Admin)
    {
        router.MapGet("/metrics", context => WriteAsync(context, server), access);
        return router;
    }

    private static async Task WriteAsync(RequestContext context, EdgeServer server)
    {
        var text = new PrometheusText();
        text.Gauge("friendlite_up", "1 while the server runs.", 1);
        text.Gauge("friendlite_uptime_seconds", "Seconds since the server started.", Math.Round(server.Uptime.TotalSeconds, 3));
        text.Gauge("friendlite_devices", "Device sessions connected now.", server.Sessions.Count);
        WriteDevices(text, server.Devices);
        WriteTranscription(text, server);
        text.Counter("friendlite_extractions_completed_total", "Conversations extracted into memories since start.", server.Extraction.Completed);
        text.Header("friendlite_jobs", "Durable jobs by kind and state.", "gauge");
        foreach (var (kind, state, count) in await server.Jobs.CountByKindAndStateAsync(context.CancellationToken))
        {
            text.Sample("friendlite_jobs", count, ("kind", kind), ("state", state));
        }

        WriteBreakersAndWorkers(text, server);
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

    private static void WriteDevices(PrometheusText text, DeviceCounters devices)
    {
        PerCodec(text, "friendlite_audio_frames_total", "Audio frames (payloads) received from devices, by codec (chunks dropped on purpose not included).", devices.Frames);
        PerCodec(text, "friendlite_audio_bytes_total", "Bytes of audio payload in those frames, by codec.", devices.Bytes);
        PerCodec(text, "friendlite_audio_frames_undecodable_total", "Audio frames the decoder could not read (corrupt Opus packets), skipped, by codec.", devices.Undecodable);
        PerCodec(text, "friendlite_audio_frames_dropped_total", "Audio chunks dropped on purpose (empty, or PCM before audio-start), by codec.", devices.Dropped);
        PerCodec(text, "friendlite_audio_frames_not_stored_total", "Audio frames that arrived after a full disk or a limit had closed their session, by codec.", devices.NotStored);
        text.Header("friendlite_device_protocol_violations_total", "Device sessions closed for breaking the protocol (malformed frames, too many corrupt packets), by close code.", "counter");
        for (var slot = 0; slot <= DeviceCounters.ViolationCodes.Length; slot++)
        {
            var code = slot < DeviceCounters.ViolationCodes.Length ? DeviceCounters.ViolationCodes[slot].ToString(CultureInfo.InvariantCulture) : "other";
            text.Sample("friendlite_device_protocol_violations_total", devices.Violations(slot), ("code", code));
        }

        text.Counter("friendlite_conversations_opened_total", "Device conversations opened since start.", devices.ConversationsOpened);
        text.Counter("friendlite_conversations_closed_total", "Device conversations ended since start.", devices.ConversationsClosed);
        text.Gauge("friendlite_conversations_open", "Device conversations open now.", devices.ConversationsOpened - devices.ConversationsClosed);
    }

    private static void PerCodec(PrometheusText text, string name, string help, Func<int, long> value)
    {
        text.Header(name, help, "counter");
        for (var codec = 0; codec < DeviceCounters.Codecs.Length; codec++)
        {
            text.Sample(name, value(codec), ("codec", DeviceCounters.Codecs[codec]));
        }
    }

    private static void WriteTranscription(PrometheusText text, EdgeServer server)
    {
        var scheduler = server.Scheduler;
        text.Gauge("friendlite_transcription_queued", "Speech segments waiting in memory for transcription.", scheduler?.Queued ?? 0);
        text.Gauge("friendlite_transcription_running", "Speech segments being transcribed now.", scheduler?.Running ?? 0);
        text.Counter("friendlite_transcription_completed_total", "Speech segments transcribed since start.", scheduler?.Completed ?? 0);
        text.Counter("friendlite_transcription_failed_total", "Transcription attempts that failed with an error (the segment is retried as a job).", scheduler?.Failed ?? 0);
        text.Counter("friendlite_transcription_deferred_total", "Transcription attempts not made because the engine was unavailable (its circuit breaker open); the segment waits as a job.",
            scheduler?.Deferred ?? 0);
        text.Histogram("friendlite_transcription_latency_seconds", "Seconds from a speech segment's end (handed to transcription) to its transcript stored.",
            scheduler?.Latency ?? s_noLatency);
        text.Gauge("friendlite_voice_commands_waiting", "Voice commands (Home Assistant's) waiting for a worker.", scheduler?.CommandsWaiting ?? 0);
        text.Counter("friendlite_voice_commands_total", "Voice commands transcribed since start.", scheduler?.CommandsDone ?? 0);
        text.Histogram("friendlite_voice_command_seconds", "Seconds from a voice command's audio-stop (handed to transcription) to its transcript.",
            scheduler?.CommandLatency ?? s_noCommandLatency);
        var speech = server.Speech?.Counters;
        text.Gauge("friendlite_wyoming_connections", "Home Assistant's Wyoming connections open now (--wyoming-listen).", speech?.Open ?? 0);
        text.Counter("friendlite_wyoming_errors_total", "Error events the Wyoming server sent: bad or oversized events, commands too long, languages the model lacks, a full server.",
            speech?.Errors ?? 0);
    }

    private static void WriteBreakersAndWorkers(PrometheusText text, EdgeServer server)
    {
        var breakers = server.Breakers;
        text.Header("friendlite_circuit_breaker_state", "A remote service's circuit breaker: 0 closed, 1 half-open (the next call is a trial), 2 open (calls fail at once).", "gauge");
        foreach (var breaker in breakers)
        {
            text.Sample("friendlite_circuit_breaker_state", (int)breaker.State, ("name", breaker.Name));
        }

        text.Header("friendlite_circuit_breaker_opened_total", "Times a remote service's circuit breaker opened since start.", "counter");
        foreach (var breaker in breakers)
        {
            text.Sample("friendlite_circuit_breaker_opened_total", breaker.Opened, ("name", breaker.Name));
        }

        var stuck = server.Workers.Check();
        text.Header("friendlite_worker_stuck", "1 while a worker has held work longer than its bound without progress (the watchdog is then not fed).", "gauge");
        foreach (var (worker, _) in server.Workers.Workers)
        {
            text.Sample("friendlite_worker_stuck", stuck.Any(s => s.Name == worker.Name) ? 1 : 0, ("worker", worker.Name));
        }
    }
}
