using System.ComponentModel;
using System.Text;
using FriendLite.Edge.Cli;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Install;

/// <summary>What <c>install</c> was asked to do.</summary>
internal sealed record InstallRequest(string Prefix, string? Root, bool DryRun, bool Start);

/// <summary>
/// <c>install</c>'s steps, in order: the binary (atomically: a temporary file beside the target,
/// then a rename, so a running service keeps its old file and an upgrade is the same command), the
/// unit, the settings file (only when there is none), the system user, and either the next steps
/// or, with <c>--start</c>, systemctl. Under <c>--root</c> every path is inside that directory and
/// nothing outside it is touched: no user, no systemctl. A failure is one sentence and exit 1.
/// </summary>
internal sealed class Installer(TextWriter output, TextWriter error, IProgramRunner programs, bool isRoot, string? processPath, string version)
{
    private const UnixFileMode Executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
    private const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public async Task<int> RunAsync(InstallRequest request, CancellationToken cancellationToken)
    {
        if (!isRoot && request.Root is null && !request.DryRun)
        {
            return Fail("install writes to /usr/local, /etc and creates a system user: run it with sudo, or give --root DIR to stage the files.");
        }

        if (processPath is null || !File.Exists(processPath))
        {
            return Fail("Cannot tell which file this program was started from: run the binary itself (e.g. 'sudo ./friendlite-edge install').");
        }

        var root = request.Root is null ? null : Path.GetFullPath(request.Root);
        var binary = InstallTexts.BinaryPath(request.Prefix);
        try
        {
            var upgradedFrom = await InstallBinaryAsync(At(root, binary), binary, request.DryRun, cancellationToken);
            var unitChanged = WriteUnit(At(root, InstallTexts.UnitPath), request);
            WriteSettings(At(root, InstallTexts.SettingsPath), request);
            if (root is null)
            {
                await CreateUserAsync(request.DryRun, cancellationToken);
            }
            else
            {
                Say("skipped", "would skip", $"the system user {InstallTexts.ServiceUser} and systemctl: the files are staged under {root}", request.DryRun);
            }

            if (request.Start && !request.DryRun)
            {
                await StartAsync(cancellationToken);
            }
            else if (root is null)
            {
                await NextStepsAsync(binary, upgradedFrom, unitChanged, request.DryRun);
            }

            return 0;
        }
        catch (InstallException ex)
        {
            return Fail(ex.Message);
        }
    }

    /// <summary>Copies this binary to <paramref name="target"/>; returns the version it replaced (null when none was there).</summary>
    private async Task<string?> InstallBinaryAsync(string target, string shown, bool dryRun, CancellationToken cancellationToken)
    {
        if (File.Exists(target) && InstallFiles.SameFile(target, processPath!))
        {
            Say("kept", "would keep", $"{shown} (this is the installed binary)", dryRun);
            return null;
        }

        var previous = File.Exists(target) ? await VersionOfAsync(target, cancellationToken) : null;
        if (!dryRun)
        {
            InstallFiles.WriteAtomically(target, Executable, file =>
            {
                using var binary = File.OpenRead(processPath!);
                binary.CopyTo(file);
            }, $"Cannot install {shown}");
        }

        if (previous is null)
        {
            Say("installed", "would install", $"{shown} ({version})", dryRun);
        }
        else if (previous == version)
        {
            Say("replaced", "would replace", $"{shown} ({version} again)", dryRun);
        }
        else
        {
            Say("upgraded", "would upgrade", $"{shown} from {previous} to {version}", dryRun);
        }

        return previous;
    }

    /// <summary>Writes the unit when it differs from what is there; returns whether it changed.</summary>
    private bool WriteUnit(string target, InstallRequest request)
    {
        var unit = InstallTexts.Unit(request.Prefix);
        var existing = InstallFiles.Read(target);
        if (existing == unit)
        {
            Say("unchanged", "would keep", InstallTexts.UnitPath, request.DryRun);
            return false;
        }

        if (!request.DryRun)
        {
            InstallFiles.WriteAtomically(target, Readable, file => file.Write(Encoding.UTF8.GetBytes(unit)), $"Cannot write {InstallTexts.UnitPath}");
        }

        Say(existing is null ? "wrote" : "updated", existing is null ? "would write" : "would update", InstallTexts.UnitPath, request.DryRun);
        return true;
    }

    private void WriteSettings(string target, InstallRequest request)
    {
        if (File.Exists(target))
        {
            Say("kept", "would keep", $"{InstallTexts.SettingsPath} (your settings are never overwritten)", request.DryRun);
            return;
        }

        if (!request.DryRun)
        {
            // Readable by root only: it may hold an LLM API key. systemd reads it as root.
            InstallFiles.WriteAtomically(target, Private, file => file.Write(Encoding.UTF8.GetBytes(InstallTexts.Settings(request.Prefix))), $"Cannot write {InstallTexts.SettingsPath}");
        }

        Say("wrote", "would write", $"{InstallTexts.SettingsPath} (every setting commented out at its default)", request.DryRun);
    }

    private async Task CreateUserAsync(bool dryRun, CancellationToken cancellationToken)
    {
        var user = InstallTexts.ServiceUser;
        var found = await RunAsync("getent", ["passwd", user], cancellationToken);
        if (found.ExitCode == 0)
        {
            Say("exists", "exists", $"the system user {user}", dryRun);
            return;
        }

        if (!dryRun)
        {
            // --user-group: the unit's Group= names the user's own group, whatever USERGROUPS_ENAB says.
            var created = await RunAsync("useradd",
                ["--system", "--user-group", "--no-create-home", "--home-dir", DataDirectory.System, "--shell", "/usr/sbin/nologin", user], cancellationToken);
            if (created.ExitCode != 0)
            {
                throw new InstallException($"useradd could not create the system user {user} (exit {created.ExitCode}: {created.Output}): create it yourself and run install again.");
            }
        }

        Say("created", "would create", $"the system user {user} (home {DataDirectory.System}, no login shell)", dryRun);
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        // restart, not start: after an upgrade the running server must pick up the new binary.
        string[][] commands = [["daemon-reload"], ["enable", InstallTexts.ServiceName], ["restart", InstallTexts.ServiceName]];
        foreach (var arguments in commands)
        {
            var result = await RunAsync("systemctl", arguments, cancellationToken);
            if (result.ExitCode != 0)
            {
                throw new InstallException($"'systemctl {string.Join(' ', arguments)}' failed (exit {result.ExitCode}: {result.Output}); the files are installed: see 'journalctl -u {InstallTexts.ServiceName}'.");
            }

            Say("ran", "would run", $"systemctl {string.Join(' ', arguments)}", dryRun: false);
        }

        await output.WriteLineAsync($"\nThe service is running: 'systemctl status {InstallTexts.ServiceName}', logs with 'journalctl -u {InstallTexts.ServiceName}'.");
    }

    private async Task NextStepsAsync(string binary, string? upgradedFrom, bool unitChanged, bool dryRun)
    {
        var data = DataDirectory.System;
        var steps = new List<string>();
        if (unitChanged)
        {
            steps.Add("sudo systemctl daemon-reload");
        }

        if (upgradedFrom is not null)
        {
            steps.Add($"sudo systemctl restart {InstallTexts.ServiceName}      # the running server keeps the old binary until it restarts");
        }
        else
        {
            steps.Add($"sudo systemctl enable --now {InstallTexts.ServiceName}");
            steps.Add($"sudo -u {InstallTexts.ServiceUser} {Shell.Word(binary)} user add --email you@example.com --admin --data-dir {data}");
            steps.Add($"sudo -u {InstallTexts.ServiceUser} {Shell.Word(binary)} model download base.en --data-dir {data}   # then set FRIENDLITE_MODEL in {InstallTexts.SettingsPath}");
        }

        steps.Add($"journalctl -u {InstallTexts.ServiceName} -f");
        await output.WriteLineAsync(dryRun ? "\nThen (nothing was changed: --dry-run):" : "\nNext:");
        foreach (var step in steps)
        {
            await output.WriteLineAsync($"  {step}");
        }
    }

    /// <summary>The version an installed binary reports; "an unknown version" when it does not answer.</summary>
    private async Task<string> VersionOfAsync(string binary, CancellationToken cancellationToken)
    {
        try
        {
            var result = await programs.RunAsync(binary, ["--version"], cancellationToken);
            return result.ExitCode == 0 && result.Output.Length is > 0 and < 40 && !result.Output.Contains('\n', StringComparison.Ordinal)
                ? result.Output
                : "an unknown version";
        }
        catch (Exception ex) when (ex is Win32Exception or IOException or UnauthorizedAccessException)
        {
            return "an unknown version";
        }
    }

    private async Task<ProgramResult> RunAsync(string program, string[] arguments, CancellationToken cancellationToken)
    {
        try
        {
            return await programs.RunAsync(program, arguments, cancellationToken);
        }
        catch (Win32Exception)
        {
            // Process.Start's error: the program is missing or not executable (its text is the framework's, not ours).
            throw new InstallException($"Cannot run {program}: it is not installed or not on PATH; install needs it, as Debian and Raspberry Pi OS have it.");
        }
    }

    /// <summary>An absolute path inside the staging root, or as it is without one.</summary>
    private static string At(string? root, string path) => root is null ? path : Path.Join(root, path);

    private void Say(string done, string wouldBe, string what, bool dryRun) => output.WriteLine($"{(dryRun ? wouldBe : done),-15}{what}");

    private int Fail(string message)
    {
        error.WriteLine($"error: {message}");
        return 1;
    }
}
