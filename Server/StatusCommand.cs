using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using FriendLite.Edge.Cli;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Server;

/// <summary>
/// <c>status</c>: the first thing to type when something seems wrong. Whether a server holds the
/// data directory (its lock), where it answers, and what its <c>/health</c> says (components,
/// devices, the transcription queue), with the durable backlog read from the database. Exit 0 when a
/// server runs and answers, 3 when none runs (as LSB init scripts do), 1 when it cannot tell or the
/// server does not answer.
/// </summary>
internal sealed class StatusCommand(TextWriter output, TextWriter error)
{
    public const int NotRunning = 3;
    private static readonly TimeSpan s_healthTimeout = TimeSpan.FromSeconds(5);

    public static Command Create(TextWriter output, TextWriter error)
    {
        var dataDir = CliOptions.DataDirectory();
        var command = new Command("status", "Say whether a server runs on this data directory: its address, health, devices, transcription queue and backlog.") { dataDir };
        var status = new StatusCommand(output, error);
        command.SetAction((parse, ct) => status.RunAsync(Path.GetFullPath(parse.GetValue(dataDir)!), ct));
        return command;
    }

    public async Task<int> RunAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        try
        {
            ExistingData.Require(dataDirectory);
        }
        catch (StartupException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }

        ServerProbe probe;
        try
        {
            probe = DataDirectoryLock.Probe(dataDirectory);
        }
        catch (UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"error: Cannot read {dataDirectory} (permission denied): run status as the user the server runs as, e.g. 'sudo -u friendlite friendlite-edge status --data-dir {Shell.Word(dataDirectory)}'.");
            return 1;
        }

        var backlog = await ReadBacklogAsync(dataDirectory, cancellationToken);
        if (!probe.Running)
        {
            await output.WriteLineAsync($"No server is running on {dataDirectory}.");
            await WriteBacklogAsync(backlog);
            await output.WriteLineAsync($"Start one with 'friendlite-edge serve --data-dir {Shell.Word(dataDirectory)}'.");
            return NotRunning;
        }

        var pid = probe.Pid is { } known ? $"pid {known}" : "pid unknown";
        if (probe.Address is not { } address)
        {
            await output.WriteLineAsync($"A server is starting on {dataDirectory} ({pid}): it has not bound its port yet. Ask again in a moment.");
            await WriteBacklogAsync(backlog);
            return 1;
        }

        var local = EdgeServer.LocalAddress(address);
        JsonDocument health;
        try
        {
            using var client = new HttpClient { Timeout = s_healthTimeout };
            using var response = await client.GetAsync(new Uri(new Uri(local), "/health"), cancellationToken);
            health = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            var why = ex switch
            {
                TaskCanceledException => $"no answer within {s_healthTimeout.TotalSeconds:0} s",
                HttpRequestException { InnerException: SocketException socket } => socket.SocketErrorCode == SocketError.ConnectionRefused ? "connection refused" : Reasons.Of(socket.SocketErrorCode),
                HttpRequestException => "the connection failed",
                _ => "its answer is not JSON",
            };
            await output.WriteLineAsync($"A server is running on {dataDirectory} ({pid}) but does not answer on {local}: {why}.");
            await WriteBacklogAsync(backlog);
            return 1;
        }

        using (health)
        {
            var root = health.RootElement;
            var state = Text(root, "status");
            await output.WriteLineAsync($"friendlite-edge {Text(root, "version")} is running on {dataDirectory} ({pid}).");
            await Line("address", address == local ? address : $"{address} (asked here on {local})");
            await Line("health", state);
            await Line("uptime", Duration.Format(TimeSpan.FromSeconds(Math.Floor(root.GetProperty("uptime_seconds").GetDouble()))));
            foreach (var component in root.GetProperty("components").EnumerateObject())
            {
                await Line(component.Name, $"{Text(component.Value, "status")}: {Text(component.Value, "detail")}");
            }

            if (root.TryGetProperty("activity", out var activity))
            {
                await Line("devices", $"{Number(activity, "devices")} connected");
                await Line("queue", $"{Number(activity, "transcription_queued")} segments waiting, {Number(activity, "transcription_running")} running");
            }

            await WriteBacklogAsync(backlog);
            return state == "unhealthy" ? 1 : 0;
        }
    }

    private async Task Line(string label, string text) => await output.WriteLineAsync($"  {label,-14} {text}");

    private async Task WriteBacklogAsync(Backlog backlog)
    {
        if (backlog.Problem is { } problem)
        {
            await Line("backlog", $"unreadable: {problem}");
            return;
        }

        var failed = backlog.Failed > 0 ? $", {backlog.Failed} failed (see 'friendlite-edge jobs list --state failed')" : ", none failed";
        await Line("backlog", $"{backlog.Pending} transcription {(backlog.Pending == 1 ? "job" : "jobs")} waiting, {backlog.Running} running{failed}");
        var extraction = backlog.Extraction;
        var extractionFailed = extraction.Failed > 0 ? $", {extraction.Failed} failed (see 'friendlite-edge jobs list --kind extract --state failed')" : ", none failed";
        await Line("extraction", $"{extraction.Pending} {(extraction.Pending == 1 ? "conversation" : "conversations")} waiting for memories, {extraction.Running} running{extractionFailed}");
    }

    private static async Task<Backlog> ReadBacklogAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        try
        {
            var jobs = new JobStore(Database.Open(dataDirectory), TimeProvider.System);
            var kind = TranscriptionScheduler.JobKind;
            const string extract = ConversationStore.ExtractJobKind;
            return new Backlog(
                await jobs.CountAsync(kind, "pending", cancellationToken),
                await jobs.CountAsync(kind, "running", cancellationToken),
                await jobs.CountAsync(kind, "failed", cancellationToken))
            {
                Extraction = (await jobs.CountAsync(extract, "pending", cancellationToken), await jobs.CountAsync(extract, "running", cancellationToken),
                    await jobs.CountAsync(extract, "failed", cancellationToken)),
            };
        }
        catch (StartupException ex)
        {
            return new Backlog(0, 0, 0, ex.Message); // a damaged database, said in one sentence: the rest of the status still shows
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException)
        {
            return new Backlog(0, 0, 0, Reasons.Of(ex));
        }
        finally
        {
            Database.ReleasePooledConnections();
        }
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "-";

    private static string Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64().ToString(CultureInfo.InvariantCulture) : "-";

    private readonly record struct Backlog(int Pending, int Running, int Failed, string? Problem = null)
    {
        /// <summary>Closed conversations waiting for, or being, extracted into memories, and those whose extraction failed.</summary>
        public (int Pending, int Running, int Failed) Extraction { get; init; }
    }
}
