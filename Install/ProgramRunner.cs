using System.Diagnostics;
using System.Text;

namespace FriendLite.Edge.Install;

/// <summary>What a program said and how it ended; <see cref="Output"/> is its stdout and stderr together, trimmed.</summary>
internal readonly record struct ProgramResult(int ExitCode, string Output);

/// <summary>
/// Runs the system's programs <c>install</c> needs (getent, useradd, systemctl, the old binary's
/// <c>--version</c>). An interface so tests can answer for them: they never create users or talk to
/// systemd on the machine that runs them.
/// </summary>
internal interface IProgramRunner
{
    /// <summary>Runs <paramref name="program"/> to its end; throws <see cref="System.ComponentModel.Win32Exception"/> when it cannot be started.</summary>
    Task<ProgramResult> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken);
}

/// <summary>The real programs, found on PATH, each awaited to its exit (or killed when cancelled).</summary>
internal sealed class ProgramRunner : IProgramRunner
{
    public async Task<ProgramResult> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        finally
        {
            // Both readers end with the pipes (at exit, or when the kill closes them); awaited so none outlives this call.
            await ((Task)Task.WhenAll(stdout, stderr)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        var text = new StringBuilder(await stdout).Append(await stderr).ToString().Trim();
        return new ProgramResult(process.ExitCode, text);
    }
}
