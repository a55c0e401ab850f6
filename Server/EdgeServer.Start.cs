using System.Diagnostics;
using FriendLite.Edge.Accounts;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Connections;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Http;
using FriendLite.Edge.Sessions;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Server;

/// <summary>Start-up: the order in which the data directory, the lock, the database, accounts, recovery and the engines are prepared.</summary>
internal sealed partial class EdgeServer
{
    /// <summary>Prepares the data directory, database and accounts, binds the port and starts accepting.
    /// <paramref name="map"/> adds the routes of features composed on top of the host.</summary>
    public static async Task<EdgeServer> StartAsync(ServerOptions options, Log log, Action<Router, EdgeServer>? map = null, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var (_, descriptors) = DescriptorLimit.RaiseToHard();
        var limits = options.Connections.FitTo(descriptors);
        if (limits.MaxConnections < options.Connections.MaxConnections)
        {
            log.Warn("server", "the open-file limit allows fewer connections than asked: raise LimitNOFILE (ulimit -n)",
                ("open_file_limit", descriptors), ("max_connections", limits.MaxConnections));
        }

        options = options with { Connections = limits };

        var dataDirectory = DataDirectory.Prepare(options.DataDirectory);
        // Before anything is read or written: a second server must not "recover" the first one's live conversations.
        var directoryLock = DataDirectoryLock.Acquire(dataDirectory);
        Database database;
        try
        {
            database = Database.Open(dataDirectory);
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }

        try
        {
            var users = new UserStore(database);
            var tokens = new JwtTokens(AuthSecret.Load(options.AuthSecretFile, dataDirectory), options.Time);
            var hashing = new AdmissionGate(options.HashConcurrency, options.HashQueue, options.HashWait, options.Time);
            var accounts = new AccountService(users, new PasswordHasher(options.PasswordIterations, hashing, options.OnPasswordHash), tokens, options.TokenLifetime);
            await AdminBootstrap.RunAsync(accounts, options.Admin, dataDirectory, log, cancellationToken);
            var jobs = new JobStore(database, options.Time);
            // Recovery runs before a Silero model is loaded: the energy VAD finds the speech a crash left uncut.
            var uncut = TranscriptionSetup.Transcribes(options)
                ? new UncutSpeechRecovery(new TranscriptStore(database), new SpeechJobs(new ConversationStore(database), jobs, () => new EnergyVad(new VadSettings()), options.Time), log)
                : null;
            await ConversationRecovery.RunAsync(new ConversationStore(database), log, cancellationToken, uncut);
            var recovered = await jobs.RecoverAsync(cancellationToken);
            await QueueMissingExtractionsAsync(database, options, log, cancellationToken);

            var (engine, transcription) = TranscriptionSetup.LoadEngine(options, log);
            var (silero, vad) = TranscriptionSetup.LoadVad(options, log);
            if (recovered > 0)
            {
                log.Info("server", "jobs interrupted by the last stop are pending again", ("jobs", recovered));
            }

            EdgeServer server;
            try
            {
                server = new EdgeServer(options with { DataDirectory = dataDirectory }, log, database, accounts, new AccessPolicy(tokens, users), map, started, engine, transcription, silero, vad);
            }
            catch
            {
                silero?.Dispose();
                if (engine is not null)
                {
                    await engine.DisposeAsync();
                }

                throw;
            }

            server._directoryLock = directoryLock;
            directoryLock.Announce(options.Address);
            if (SystemdNotifier.Create(options.NotifySocket, log) is { } notifier)
            {
                server.StartNotifying(notifier); // listening, recovered: ready
            }

            var transcribing = engine is null ? "off" : engine is UnloadedEngine ? "unavailable" : "ok";
            log.Info("server", "started", ("version", HealthEndpoints.Version), ("address", options.Address), ("data_dir", dataDirectory), ("offline", options.Offline),
                ("transcription", transcribing), ("open_file_limit", descriptors), ("max_connections", limits.MaxConnections));
            if (transcribing == "unavailable")
            {
                // Asked for and missing: the last line of the start, where a person looks, not one line among many above it.
                log.Warn("server", $"started WITHOUT transcription: {transcription["unavailable: ".Length..]} Devices' audio is stored and their speech waits as jobs until the server is restarted with a model that loads.");
            }
            return server;
        }
        catch
        {
            Database.ReleasePooledConnections();
            directoryLock.Dispose();
            throw;
        }
    }

    /// <summary>Closed conversations never queued for extraction get their job; the jobs table refusing that is logged, not a failed start.</summary>
    private static async Task QueueMissingExtractionsAsync(Database database, ServerOptions options, Log log, CancellationToken cancellationToken)
    {
        try
        {
            var queued = await new ConversationStore(database).QueueMissingExtractionsAsync(options.Time.GetUtcNow(), cancellationToken);
            if (queued > 0)
            {
                log.Info("server", "closed conversations without memories are queued for extraction", ("conversations", queued));
            }
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            log.Exception(LogLevel.Warn, "server", "could not queue the extraction of conversations closed without it; the next start tries again", ex);
        }
    }
}
