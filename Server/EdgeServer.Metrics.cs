using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Connections;
using FriendLite.Edge.Http;
using FriendLite.Edge.Memory;
using FriendLite.Edge.Sessions;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Server;

/// <summary>
/// What the server is watched by: the counters <c>/metrics</c> reads, the workers' progress the
/// watchdog and <c>/health</c> check, and <c>--metrics-listen</c>, a second port serving only
/// <c>GET /metrics</c> without authentication. That port is a second connection gate and HTTP host
/// of the same kinds as the public port's; its accept loops are children of the root group and its
/// requests of the requests group, so a stop ends it with the rest.
/// </summary>
internal sealed partial class EdgeServer
{
    private ConnectionGate? _metricsGate;
    private HttpHost? _metricsHost;

    /// <summary>What every device session received and did since start.</summary>
    public DeviceCounters Devices { get; } = new();

    /// <summary>Whether the transcription and extraction workers make progress.</summary>
    public ProgressWatch Workers { get; } // set in the constructor, before the port opens

    /// <summary>The circuit breakers in front of remote services: the Wyoming ASR server's, the LLM's.</summary>
    public IReadOnlyList<CircuitBreaker> Breakers =>
        [.. new[] { (_engine as WyomingEngine)?.Breaker, (_languageModel as LlmClient)?.Breaker }.OfType<CircuitBreaker>()];

    /// <summary>
    /// The bound a worker may hold work without progress: <see cref="ServerOptions.WorkerStallTimeout"/>,
    /// or 4 watchdog timeouts and at least 2 minutes; in either case longer than one remote call of
    /// the worker, which has its own timeout (a Wyoming request's 5 s to connect and 60 s to answer,
    /// an LLM try's <c>--llm-timeout</c> and back-off), plus 30 s.
    /// </summary>
    private ProgressWatch WatchWorkers()
    {
        var watchdog = Options.WatchdogTimeout ?? TimeSpan.Zero;
        var bound = Options.WorkerStallTimeout ?? Longest(watchdog * 4, TimeSpan.FromMinutes(2));
        var margin = TimeSpan.FromSeconds(30);
        var asr = _engine is WyomingEngine wyoming ? Longest(bound, WyomingEngine.ConnectTimeout + wyoming.ResponseTimeout + margin) : bound;
        var llm = _languageModel is LlmClient && Options.Llm is { } options ? Longest(bound, options.Timeout + options.Backoff.Max() + margin) : bound;
        var workers = (_scheduler?.Progress ?? []).Select(p => (p, asr)).Append((Extraction.Progress, llm)).ToList();
        return new ProgressWatch(workers, _log);
    }

    private static TimeSpan Longest(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Binds <c>--metrics-listen</c>'s port; on failure the public port is closed again and the start fails naming the port.</summary>
    private void BindMetricsListener(AccessPolicy accessPolicy)
    {
        if (Options.MetricsListen is not { } listen)
        {
            return;
        }

        try
        {
            _metricsGate = ConnectionGate.Start(listen.Host, listen.Port, Options.Connections, Options.Time, _log, "--metrics-listen", "--metrics-listen");
            _metricsHost = HttpHost.Start(new Router().MapMetrics(this, Access.Anonymous), accessPolicy, _metricsGate.Peer, _log);
            _metricsGate.Upstream = _metricsHost.EndPoint;
        }
        catch
        {
            _metricsGate?.Close();
            _host.Stop();
            _gate.Close(); // nothing was accepted yet
            throw;
        }
    }

    private void RunMetricsListener()
    {
        if (_metricsGate is not { } gate || _metricsHost is not { } host)
        {
            return;
        }

        ServePort("metrics", gate, host);
        _log.Info("server", "serving /metrics without authentication", ("address", $"http://{Options.MetricsListen}"));
    }

    private async Task StopMetricsListenerAsync()
    {
        _metricsHost?.Stop();
        if (_metricsGate is { } gate)
        {
            await gate.StopAsync(TimeSpan.FromSeconds(1));
        }
    }
}
