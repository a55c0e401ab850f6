using System.CommandLine;
using System.Reflection;
using FriendLite.Edge.Cli;

namespace FriendLite.Edge.Install;

/// <summary>
/// <c>install</c>: makes the binary it is run from a systemd service (README, "Running under
/// systemd"). Run as root from wherever the binary was copied: <c>sudo ./friendlite-edge install</c>;
/// running it again with a newer binary upgrades. Its options are per run: no environment variables.
/// </summary>
internal static class InstallCommand
{
    public static Command Create(TextWriter output, TextWriter error) =>
        Create(output, error, new ProgramRunner(), Environment.IsPrivilegedProcess, Environment.ProcessPath);

    /// <summary>The command with what it learns from the machine given (tests: not root, a fake binary, fake programs).</summary>
    public static Command Create(TextWriter output, TextWriter error, IProgramRunner programs, bool isRoot, string? processPath)
    {
        var prefix = CliOptions.Create("--prefix", $"Install the binary as PREFIX/bin/{InstallTexts.ServiceName}.", "PREFIX", () => InstallTexts.DefaultPrefix, ParsePrefix, environment: "");
        var root = CliOptions.Create<string?>("--root", "Stage the files under this directory instead of / (every path prefixed); creates no user and runs no systemctl.", "DIR",
            () => null, text => text.Length > 0 ? text : throw new FormatException("is empty"), environment: "");
        var dryRun = new Option<bool>("--dry-run") { Description = "Say what would be done; change nothing." };
        var start = new Option<bool>("--start") { Description = $"Then run systemctl daemon-reload, enable and restart {InstallTexts.ServiceName}." };
        var command = new Command("install",
            $"Install this binary as a systemd service: the binary in PREFIX/bin, the unit {InstallTexts.UnitPath}, settings in {InstallTexts.SettingsPath} (kept when present), "
            + $"the system user {InstallTexts.ServiceUser}. Run again with a newer binary to upgrade.")
        {
            prefix, root, dryRun, start,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(start) && result.GetValue(root) is not null)
            {
                result.AddError("--start cannot be used with --root: the staged files are not this machine's service.");
            }
        });
        var installer = new Installer(output, error, programs, isRoot, processPath, Version);
        command.SetAction((parse, ct) => installer.RunAsync(
            new InstallRequest(parse.GetValue(prefix)!, parse.GetValue(root), parse.GetValue(dryRun), parse.GetValue(start)), ct));
        return command;
    }

    private static string Version =>
        typeof(InstallCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>An absolute path systemd's ExecStart= takes as it is: no spaces, quotes or specifiers.</summary>
    private static string ParsePrefix(string text) =>
        text.StartsWith('/') && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or '+')
            ? (text.Length > 1 ? text.TrimEnd('/') : text)
            : throw new FormatException("is not an absolute path of letters, digits and / . _ - + (e.g. /usr/local)");
}
