using System.CommandLine;
using System.Globalization;
using FriendLite.Edge.Cli;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Accounts;

/// <summary>
/// <c>user add|list|delete|passwd|deactivate|activate</c> and <c>token create</c>: account administration
/// on the same data directory as the server, safe while it runs (SQLite WAL and a busy timeout); a
/// running server's revocation sweep ends the live sessions access was taken from. Passwords come
/// from <c>--password-file</c>, from standard input when it is not a terminal, or from a prompt
/// without echo; never from a plain argument.
/// </summary>
internal sealed class UserCommands(TextWriter output, TextWriter error, Func<string, string?> prompt)
{
    public static IEnumerable<Command> Create(TextWriter output, TextWriter error, Func<string, string?>? prompt = null)
    {
        var commands = new UserCommands(output, error, prompt ?? ConsolePrompt.ReadSecret);
        yield return commands.User();
        yield return commands.Token();
    }

    private Command User()
    {
        var user = new Command("user", "Manage user accounts.");
        user.Subcommands.Add(Add());
        user.Subcommands.Add(List());
        user.Subcommands.Add(Delete());
        user.Subcommands.Add(Passwd());
        user.Subcommands.Add(SetActive(active: false));
        user.Subcommands.Add(SetActive(active: true));
        return user;
    }

    private Command Add()
    {
        var email = Email();
        var admin = new Option<bool>("--admin") { Description = "Make the user an administrator." };
        var displayName = new Option<string?>("--display-name") { Description = "The name shown for the user.", HelpName = "NAME" };
        var passwordFile = PasswordFile();
        var dataDir = CliOptions.DataDirectory();
        var command = new Command("add", "Create a user (and the data directory, if it is new).") { email, admin, displayName, passwordFile, dataDir };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(dataDir)!, null, async accounts =>
        {
            var password = ReadNewPassword(parse.GetValue(passwordFile));
            var (created, problem) = await accounts.CreateAsync(parse.GetValue(email), password, parse.GetValue(displayName), parse.GetValue(admin), ct);
            if (created is null)
            {
                return Fail(problem!);
            }

            await output.WriteLineAsync($"Created {(created.IsAdmin ? "administrator" : "user")} {created.Email} (id {created.Id}).");
            return 0;
        }, creates: true));
        return command;
    }

    private Command List()
    {
        var dataDir = CliOptions.DataDirectory();
        var command = new Command("list", "List users.") { dataDir };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(dataDir)!, null, async accounts =>
        {
            var users = await accounts.Users.ListAsync(ct);
            await output.WriteLineAsync($"{"ID",-24}  {"EMAIL",-32}  {"NAME",-20}  ADMIN  ACTIVE  CREATED");
            foreach (var u in users)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{u.Id,-24}  {u.Email,-32}  {u.DisplayName ?? "",-20}  {(u.IsAdmin ? "yes" : "no"),-5}  {(u.IsActive ? "yes" : "no"),-6}  {u.CreatedAt:yyyy-MM-dd HH:mm}Z"));
            }

            return 0;
        }));
        return command;
    }

    private Command Delete()
    {
        var email = Email();
        var deleteData = new Option<bool>("--delete-data") { Description = "Also delete the user's conversations, transcripts, memories and audio (default: keep them)." };
        var dataDir = CliOptions.DataDirectory();
        var command = new Command("delete", "Delete a user.") { email, deleteData, dataDir };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(dataDir)!, null, async (accounts, jobs) =>
        {
            var user = await accounts.Users.FindByEmailAsync(parse.GetValue(email)!, ct);
            if (user is null || await accounts.DeleteUserAsync(user.Id, parse.GetValue(deleteData), ct) is not { } deletion)
            {
                return Fail($"No user has the email {parse.GetValue(email)}.");
            }

            await jobs.CancelWaitingForUserAsync(user.Id, ct);

            foreach (var problem in deletion.Problems)
            {
                await error.WriteLineAsync($"warning: {problem}");
            }

            await output.WriteLineAsync($"Deleted {user.Email}{(parse.GetValue(deleteData) ? $" and its data ({deletion.AudioFiles} audio files)" : "; its data was kept")}.");
            return 0;
        }));
        return command;
    }

    private Command Passwd()
    {
        var email = Email();
        var passwordFile = PasswordFile();
        var dataDir = CliOptions.DataDirectory();
        var command = new Command("passwd", "Set a user's password.") { email, passwordFile, dataDir };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(dataDir)!, null, async accounts =>
        {
            var user = await accounts.Users.FindByEmailAsync(parse.GetValue(email)!, ct);
            if (user is null)
            {
                return Fail($"No user has the email {parse.GetValue(email)}.");
            }

            if (await accounts.ChangePasswordAsync(user, ReadNewPassword(parse.GetValue(passwordFile)), ct) is { } problem)
            {
                return Fail(problem);
            }

            await output.WriteLineAsync($"Password changed for {user.Email}.");
            return 0;
        }));
        return command;
    }

    /// <summary><c>user deactivate</c> suspends an account (no login, tokens refused, devices disconnected, waiting jobs cancelled); <c>user activate</c> lifts that.</summary>
    private Command SetActive(bool active)
    {
        var email = Email();
        var dataDir = CliOptions.DataDirectory();
        var command = new Command(active ? "activate" : "deactivate", active
            ? "Let a deactivated user log in again; its earlier tokens work again."
            : "Stop a user from logging in and disconnect its devices, keeping its data.")
        {
            email, dataDir,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(dataDir)!, null, async (accounts, jobs) =>
        {
            var user = await accounts.Users.FindByEmailAsync(parse.GetValue(email)!, ct);
            if (user is null || !await accounts.Users.SetActiveAsync(user.Id, active, ct))
            {
                return Fail($"No user has the email {parse.GetValue(email)}.");
            }

            if (active)
            {
                await output.WriteLineAsync($"Activated {user.Email}.");
                return 0;
            }

            await jobs.CancelWaitingForUserAsync(user.Id, ct);
            await output.WriteLineAsync($"Deactivated {user.Email}: it cannot log in and its devices are disconnected; its data was kept.");
            return 0;
        }));
        return command;
    }

    private Command Token()
    {
        var email = Email();
        var lifetime = AuthOptions.TokenLifetime("--lifetime", "How long the token stays valid", TimeSpan.FromDays(365), "30d, 365d", environment: "");
        var secretFile = AuthOptions.SecretFile();
        var dataDir = CliOptions.DataDirectory();
        var create = new Command("create", "Print a long-lived token for a device or its phone (give it the server's --auth-secret-file, if the server has one).")
        {
            email, lifetime, secretFile, dataDir,
        };
        create.SetAction((parse, ct) => RunAsync(parse.GetValue(dataDir)!, parse.GetValue(secretFile), async accounts =>
        {
            var user = await accounts.Users.FindByEmailAsync(parse.GetValue(email)!, ct);
            if (user is null || !user.IsActive)
            {
                return Fail($"No active user has the email {parse.GetValue(email)}.");
            }

            await output.WriteLineAsync(accounts.IssueToken(user, parse.GetValue(lifetime)));
            return 0;
        }));
        var token = new Command("token", "Create long-lived access tokens for devices.");
        token.Subcommands.Add(create);
        return token;
    }

    private static Option<string> Email() => new("--email") { Description = "The user's email.", HelpName = "EMAIL", Required = true };

    private static Option<string?> PasswordFile() =>
        new("--password-file")
        {
            Description = CliOptions.Describe("Read the password from this file's first line.", null, "standard input when it is not a terminal, else a prompt"),
            HelpName = "FILE",
        };

    private string ReadNewPassword(string? passwordFile)
    {
        if (passwordFile is not null)
        {
            return AuthOptions.ReadPasswordFile(passwordFile);
        }

        var first = prompt("Password: ") ?? throw new StartupException("No password was given: pass --password-file, pipe it on standard input, or type it at the prompt.");
        if (!Console.IsInputRedirected)
        {
            var again = prompt("Repeat password: ");
            if (again != first)
            {
                throw new StartupException("The two passwords differ; nothing was changed.");
            }
        }

        return first;
    }

    private Task<int> RunAsync(string dataDirectory, string? secretFile, Func<AccountService, Task<int>> action, bool creates = false) =>
        RunAsync(dataDirectory, secretFile, (accounts, _) => action(accounts), creates);

    /// <summary>Only <c>user add</c> <paramref name="creates"/> a data directory; the others need its database (<see cref="ExistingData"/>).</summary>
    private async Task<int> RunAsync(string dataDirectory, string? secretFile, Func<AccountService, JobStore, Task<int>> action, bool creates = false)
    {
        try
        {
            var directory = DataDirectory.Prepare(creates ? dataDirectory : ExistingData.Require(dataDirectory));
            var database = Database.Open(directory);
            var tokens = new JwtTokens(AuthSecret.Load(secretFile, directory), TimeProvider.System);
            var accounts = new AccountService(new UserStore(database), new PasswordHasher(), tokens, TimeSpan.FromHours(24));
            return await action(accounts, new JobStore(database, TimeProvider.System));
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
