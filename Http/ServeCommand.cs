using System.CommandLine;
using System.Runtime.InteropServices;
using FriendLite.Edge.Sessions;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Http;

/// <summary><c>friendlite-edge serve</c>: runs the server until SIGTERM or SIGINT.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var host = CliOptions.Host();
        var port = CliOptions.Port(8000);
        var dataDir = CliOptions.DataDirectory();
        var logLevel = CliOptions.LogLevel();
        var offline = CliOptions.Flag("--offline", "Make no outbound connection at all: local transcription and memory extraction only, no downloads.");
        var shutdownTimeout = CliOptions.Duration("--shutdown-timeout", "How long a graceful shutdown may take before the process exits anyway",
            TimeSpan.FromSeconds(10), TimeSpan.Zero, TimeSpan.FromHours(1));

        var command = new Command("serve", "Run the edge server: device WebSockets, the REST API and the web page.")
        {
            host, port, dataDir, logLevel, offline, shutdownTimeout,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new ServerOptions(
                parse.GetValue(host)!,
                parse.GetValue(port),
                parse.GetValue(dataDir)!,
                parse.GetValue(logLevel),
                parse.GetValue(offline),
                parse.GetValue(shutdownTimeout));
            return await RunAsync(options, Log.ForConsole(options.LogLevel), cancellationToken);
        });
        return command;
    }

    public static async Task<int> RunAsync(ServerOptions options, Log log, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        EdgeServer server;
        try
        {
            server = EdgeServer.Start(options, log);
        }
        catch (StartupException ex)
        {
            log.Error("server", ex.Message);
            if (ex.InnerException is not null)
            {
                log.Debug("server", "cause", ("trace", ex.InnerException.ToString()));
            }

            return 1;
        }

        await using (server)
        {
            return await server.RunAsync(stop.Token);
        }

        void OnSignal(PosixSignalContext context)
        {
            // Keep the process alive: the graceful shutdown decides when it exits.
            context.Cancel = true;
            log.Info("server", "signal received, shutting down", ("signal", context.Signal));
            stop.Cancel();
        }
    }
}
