using System.CommandLine;
using System.Globalization;
using FriendLite.Edge.Cli;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Jobs;

/// <summary>
/// <c>jobs list|retry|cancel</c>: the durable work (transcription backlog, and later memory
/// extraction) an administrator sees and acts on, on the same data directory as the server and safe
/// while it runs. A retried job gets all its attempts again; a cancelled one is never run until retried.
/// </summary>
internal sealed class JobsCommand(TextWriter output, TextWriter error)
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var commands = new JobsCommand(output, error);
        var jobs = new Command("jobs", "See, retry and cancel durable jobs (the transcription backlog).");
        jobs.Subcommands.Add(commands.List());
        jobs.Subcommands.Add(commands.Change("retry", "Run a failed, cancelled or waiting job again, with all its attempts.", retry: true));
        jobs.Subcommands.Add(commands.Change("cancel", "Never run a waiting or failed job (until it is retried).", retry: false));
        return jobs;
    }

    private Command List()
    {
        var state = CliOptions.Create<string?>("--state", "Only jobs in this state: pending, running, done, failed or cancelled.", "STATE", () => null,
            text => JobAnswers.States.Contains(text) ? text : throw new FormatException($"is not one of {string.Join(", ", JobAnswers.States)}"), environment: "");
        var kind = CliOptions.Create<string?>("--kind", "Only jobs of this kind (transcribe).", "KIND", () => null, text => text, environment: "");
        var limit = CliOptions.WholeNumber("--limit", "Show at most this many, newest first.", 50, 1, 100_000, environment: "");
        var dataDir = CliOptions.DataDirectory();
        var command = new Command("list", "List jobs, newest first.") { state, kind, limit, dataDir };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(dataDir)!, async jobs =>
        {
            var rows = await jobs.ListAsync(parse.GetValue(state), parse.GetValue(kind), parse.GetValue(limit), ct);
            await output.WriteLineAsync($"{"ID",-8}  {"KIND",-10}  {"STATE",-9}  {"ATTEMPTS",-8}  {"CONVERSATION",-32}  {"UPDATED",-17}  LAST ERROR");
            foreach (var job in rows)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{job.Id,-8}  {job.Kind,-10}  {job.State,-9}  {$"{job.Attempts}/{job.MaxAttempts}",-8}  {job.ConversationId ?? "-",-32}  {job.UpdatedAt:yyyy-MM-dd HH:mm}Z  {job.LastError ?? ""}"));
            }

            return 0;
        }));
        return command;
    }

    private Command Change(string name, string description, bool retry)
    {
        var id = new Argument<long>("ID")
        {
            Description = "The job's id, as 'jobs list' shows it.",
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
                if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
                {
                    return value;
                }

                result.AddError($"'{text}' is not a job id: give the number 'friendlite-edge jobs list' shows.");
                return 0;
            },
        };
        var dataDir = CliOptions.DataDirectory();
        var command = new Command(name, description) { id, dataDir };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(dataDir)!, async jobs =>
        {
            var jobId = parse.GetValue(id);
            var change = retry ? await jobs.RetryAsync(jobId, ct) : await jobs.CancelAsync(jobId, ct);
            var job = await jobs.FindAsync(jobId, ct);
            if (JobAnswers.Refusal(change, jobId, job?.State, retry) is { } refusal)
            {
                return Fail(refusal);
            }

            await output.WriteLineAsync(retry ? $"Job {jobId} will run again (attempts 0/{job!.MaxAttempts})." : $"Job {jobId} is cancelled.");
            return 0;
        }));
        return command;
    }

    private async Task<int> RunAsync(string dataDirectory, Func<JobStore, Task<int>> action)
    {
        try
        {
            var database = Database.Open(DataDirectory.Prepare(ExistingData.Require(dataDirectory)));
            return await action(new JobStore(database, TimeProvider.System));
        }
        catch (StartupException ex)
        {
            return Fail(ex.Message);
        }
        finally
        {
            Database.ReleasePooledConnections();
        }
    }

    private int Fail(string message)
    {
        error.WriteLine($"error: {message}");
        return 1;
    }
}
