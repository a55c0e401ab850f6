using System.Diagnostics;
using FriendLite.Edge.Accounts;
using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Connections;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Http;
using FriendLite.Edge.Memory;
using FriendLite.Edge.Sessions;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Transcription;
using FriendLite.Edge.Uploads;
using FriendLite.Edge.Web;

namespace FriendLite.Edge.Server;

/// <summary>
/// The server's lifetime. Ownership: the root group owns the accept loop and the nested
/// <c>requests</c> group, which owns every request (and, later, every client session). Stopping:
/// stop counting as ready, cancel the requests group (new requests get 503), await it within the
/// shutdown timeout, close the listener, await the root group.
/// </summary>
internal sealed partial class EdgeServer : IAsyncDisposable
{
    private readonly TaskGroup _root;
    private readonly TaskGroup _requests;
    private readonly HttpHost _host;
    private readonly ConnectionGate _gate;
    private readonly long _started;
    private readonly Log _log;
    private int _stopping;
    private Task<bool>? _stop;
    private DataDirectoryLock? _directoryLock;

    private readonly ITranscriptionEngine? _engine;
    private readonly TranscriptionScheduler? _scheduler;
    private readonly SileroVadModel? _silero;
    private readonly ILanguageModel? _languageModel;

    private EdgeServer(ServerOptions options, Log log, Database database, AccountService accounts, AccessPolicy accessPolicy, Action<Router, EdgeServer>? map, long started,
        ITranscriptionEngine? engine, string transcriptionStatus, SileroVadModel? silero, ComponentHealth vad)
    {
        _silero = silero;
        Vad = vad;
        Options = options;
        Database = database;
        Accounts = accounts;
        _engine = engine;
        TranscriptionStatus = transcriptionStatus;
        _log = log;
        _started = started;
        var limiter = new LoginRateLimiter(options.LoginFailuresPerMinute, options.LoginAccountFailuresPerMinute, TimeSpan.FromMinutes(1), options.LoginRememberSuccess, options.Time);
        Sessions = new SessionRegistry(options.MaxSessions);
        Disk = new FreeSpaceWatcher(options.DataDirectory, options.MinFreeDisk, options.DiskCheckInterval, options.Time, options.FreeSpace ?? FreeSpaceWatcher.Probe, log);
        Disk.Check(); // before the first device: a server started on a full disk refuses it at once
        Realtime = options.MaxRealtimeFactor > 0 ? new RealtimeLimiter(options.MaxRealtimeFactor, RealtimeLimiter.DefaultBurst, options.Time) : null;
        var sessionSettings = new SessionSettings(options.DataDirectory, options.IdleTimeout, options.ConversationTimeout)
        {
            DrainTimeout = options.DrainTimeout, Silero = silero, Time = options.Time, Faults = options.Faults, Realtime = Realtime, Disk = Disk, Counters = Devices,
        };
        Jobs = new JobStore(database, options.Time);
        if (engine is not null)
        {
            _scheduler = new TranscriptionScheduler(engine, options.TranscriptionQueue, new TranscriptStore(database), Jobs, log);
        }

        var conversations = new ConversationStore(database);
        var transcripts = new TranscriptStore(database);
        var memories = new MemoryStore(database, options.Time);
        var actionItems = new ActionItemStore(database, options.Time);
        var extraction = new WorkerProgress("memory extraction"); // the LLM's tries are its heartbeats
        _languageModel = options.LanguageModel?.Invoke() ?? (options.Llm is { } llm ? new LlmClient(llm, log, options.Time) { Progress = extraction.Beat } : null);
        Extraction = new ExtractionWorker(new MemorySources(conversations, transcripts, memories, Jobs), _languageModel, options.TimeZone, log)
        {
            PollInterval = options.ExtractionPollInterval,
            Progress = extraction,
        };
        Workers = WatchWorkers(); // before the port opens: /health and /metrics read it
        var speech = new SpeechJobs(conversations, Jobs, sessionSettings.CreateDetector, options.Time) { Enabled = engine is not null };
        var uploads = new AudioUploads(options.DataDirectory, conversations, speech, options.Time, log);
        uploads.ClearLeftovers(); // before the port is open: no upload is under way
        var router = new Router()
            .MapHealth(this)
            .MapAuth(accounts, limiter, log)
            .MapUsers(accounts, Sessions, Jobs, log)
            .MapDiagnostics(this)
            .MapMetrics(this)
            .MapJobs(Jobs, log)
            .MapWeb();
        new ConversationEndpoints(conversations, transcripts, memories, actionItems, speech, accessPolicy, options.Time, log).Map(router);
        new UploadEndpoints(uploads, options.MaxUploadSize, Disk).Map(router);
        new MemoryEndpoints(memories, actionItems, conversations, transcripts, accounts.Users).Map(router);
        new ActionItemEndpoints(actionItems).Map(router);
        new DeviceEndpoints(Sessions, conversations, Jobs, sessionSettings, options.OnAudio, _scheduler, () => IsStopping || IsFaulted,
            peer => _gate!.DeliverWrittenAsync(TimeSpan.FromMilliseconds(500), peer), log).Map(router); // the gate is set below, before any request
        map?.Invoke(router, this);
        _gate = ConnectionGate.Start(options.Host, options.Port, options.Connections, options.Time, log);
        try
        {
            _host = HttpHost.Start(router, accessPolicy, _gate.Peer, log);
        }
        catch
        {
            _gate.Close(); // nothing was accepted yet
            throw;
        }

        _gate.Upstream = _host.EndPoint;
        BindMetricsListener(accessPolicy); // closes the public port again when it cannot bind
        BindSpeechServer(conversations, transcripts); // and so does --wyoming-listen's
        // Groups are created only once the port is ours, so a failed start leaves nothing running.
        _root = new TaskGroup("server", new TaskGroupOptions(TimeSpan.FromSeconds(2), log));
        _requests = new TaskGroup("requests", _root);
        ServePort("", _gate, _host);
        _scheduler?.Start(_root);
        Extraction.Start(_root);
        RunMetricsListener();
        RunSpeechServer();
        var sweep = new RevocationSweep(Sessions, accounts.Users, Jobs, log) { Faults = options.Faults };
        _root.Spawn("revocation-sweep", token => sweep.RunAsync(options.RevocationSweepInterval, options.Time, token));
        _root.Spawn("disk-watcher", Disk.RunAsync);
    }

    /// <summary>
    /// One listening port's loops, children of the root group: the HTTP host's accept loop (its
    /// requests in the requests group), the gate's accept loop (its connections in a group of their
    /// own, made here, not in the child: it exists once the server has started) and its sweep.
    /// </summary>
    private void ServePort(string name, ConnectionGate gate, HttpHost host)
    {
        var prefix = name.Length == 0 ? "" : name + "-";
        _root.Spawn($"{prefix}http-accept", _ => host.AcceptLoopAsync(_requests));
        var connections = new TaskGroup(name.Length == 0 ? "connections" : $"{name} connections", _root);
        _root.Spawn($"{prefix}gate-accept", _ => AcceptConnectionsAsync(gate, connections));
        _root.Spawn($"{prefix}gate-sweep", gate.SweepLoopAsync);
    }

    /// <summary>A gate's accept loop, owning the group every connection from the network runs in (until the gate stops and each has ended).</summary>
    private static async Task AcceptConnectionsAsync(ConnectionGate gate, TaskGroup connections)
    {
        try
        {
            await gate.AcceptLoopAsync(connections);
        }
        finally
        {
            await connections.DisposeQuietlyAsync();
        }
    }

    public ServerOptions Options { get; }

    public Database Database { get; }

    public AccountService Accounts { get; }

    public SessionRegistry Sessions { get; }

    /// <summary>The free space kept in the data directory (<c>--min-free-disk</c>); below it recording pauses.</summary>
    public FreeSpaceWatcher Disk { get; }

    /// <summary>The devices' real-time budgets (<c>--max-realtime-factor</c>); null when there is no limit.</summary>
    public RealtimeLimiter? Realtime { get; }

    /// <summary>The durable jobs, on the server's clock.</summary>
    public JobStore Jobs { get; }

    /// <summary>For /health: "ok: &lt;model&gt;", or why transcription is unavailable.</summary>
    public string TranscriptionStatus { get; }

    public TranscriptionScheduler? Scheduler => _scheduler;

    /// <summary>The worker that turns closed conversations into memories, action items and titles.</summary>
    public ExtractionWorker Extraction { get; }

    /// <summary>For /health: who extracts memories (the LLM, or the local extractor).</summary>
    public string MemoryStatus => _languageModel is null ? "local extractor" : $"LLM {_languageModel.Describe}, the local extractor when it fails";

    /// <summary>For /health: which VAD cuts speech; degraded when a Silero model was asked for and failed.</summary>
    public ComponentHealth Vad { get; }

    public TimeSpan Uptime => Stopwatch.GetElapsedTime(_started);

    public bool IsStopping => Volatile.Read(ref _stopping) != 0;

    /// <summary>True once a fault of the server itself (not of one session) means it must stop: devices are told it is going away.</summary>
    private bool IsFaulted => _root.IsCancellationRequested || _requests.IsCancellationRequested;

    /// <summary>Cancelled when a server-level task fails: the server cannot go on and must stop.</summary>
    public CancellationToken Faulted => _root.Token;

    public TaskGroupSnapshot Snapshot() => _root.Snapshot();

    /// <summary>The connection gate's counts, for diagnostics.</summary>
    public ConnectionGate Gate => _gate;

    /// <summary>
    /// Runs until <paramref name="stop"/> fires or the server itself faults, then shuts down. Returns
    /// the exit code: 1 after a fault, so a supervisor restarts a process that can no longer serve.
    /// A fault is the root group's (a server task failed) or the requests group's: every request and
    /// session lives there, and once it is cancelled nothing but 503 would be answered.
    /// </summary>
    public async Task<int> RunAsync(CancellationToken stop)
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (stop.Register(() => stopped.TrySetResult()))
        await using (_root.Token.Register(() => stopped.TrySetResult()))
        await using (_requests.Token.Register(() => stopped.TrySetResult()))
        {
            await stopped.Task;
        }

        var faulted = IsFaulted && !IsStopping;
        if (faulted)
        {
            _log.Error("server", "the server faulted and cannot serve; stopping with exit code 1 so the supervisor restarts it");
        }

        var clean = await StopAsync();
        return clean && !faulted ? 0 : 1;
    }

    /// <summary>Graceful shutdown within <see cref="ServerOptions.ShutdownTimeout"/>. True when everything finished in time.</summary>
    public Task<bool> StopAsync()
    {
        lock (_root)
        {
            return _stop ??= StopCoreAsync();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task<bool> StopCoreAsync()
    {
        Volatile.Write(ref _stopping, 1);
        _systemd?.Send("STOPPING=1", "STATUS=stopping");
        var clock = Stopwatch.StartNew();
        _log.Info("server", "stopping", ("in_flight", _requests.Snapshot().Children.Count));
        _requests.Cancel();
        StopSpeechServer();
        var drained = await WithinAsync(_requests.WaitQuietlyAsync(), Options.ShutdownTimeout);
        await _gate.DeliverWrittenAsync(TimeSpan.FromMilliseconds(500));
        _host.Stop();
        await _gate.StopAsync(TimeSpan.FromSeconds(1)); // answers already written (a 503, say) still reach their clients
        await StopMetricsListenerAsync();
        _root.Cancel(); // the sessions are done: stop the server's own workers (queued segments become jobs)
        var remaining = Options.ShutdownTimeout - clock.Elapsed;
        var finished = drained && await WithinAsync(_root.WaitQuietlyAsync(), remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        if (!finished)
        {
            _root.Cancel();
            _log.Error(
                "server",
                $"shutdown did not finish within {Options.ShutdownTimeout.TotalSeconds:0.###} s; exiting with tasks still running",
                ("tasks", Describe(_root.Snapshot())));
            // The data directory's lock stays held: those tasks may still write there. The process
            // exits next, and the kernel drops the lock with it.
            return false;
        }

        _scheduler?.Dispose();
        Extraction.Dispose();
        if (_engine is not null)
        {
            await _engine.DisposeAsync(); // only now: every processor has been disposed with its worker
        }

        _silero?.Dispose(); // every session has ended, so no detection is running
        _systemd?.Dispose(); // its loop ended with the root group
        (_languageModel as IDisposable)?.Dispose(); // the extraction worker has ended with the root group

        Database.ReleasePooledConnections();
        _directoryLock?.Dispose(); // last: nothing of this server touches the directory any more
        var counts = ProcessCounts.Read();
        // Sessions deregister last in their cleanup: a non-empty registry here would be a leak.
        _log.Info(
            "server",
            "stopped",
            ("after_ms", clock.ElapsedMilliseconds),
            ("open_fds", counts.OpenFileDescriptors),
            ("threads", counts.Threads),
            ("live_groups", counts.LiveGroups),
            ("live_sessions", Sessions.Count),
            ("task_failures", TaskGroup.FailureCount));
        return true;
    }

    private static async Task<bool> WithinAsync(Task task, TimeSpan timeout)
    {
        using var timer = new CancellationTokenSource();
        var delay = Task.Delay(timeout, timer.Token);
        var winner = await Task.WhenAny(task, delay);
        await timer.CancelAsync();
        return winner == task;
    }

    private static string Describe(TaskGroupSnapshot group) =>
        string.Join(",", group.Children.Select(c => $"{group.Name}/{c.Name}").Concat(group.Groups.Select(Describe)).Where(s => s.Length > 0));
}
