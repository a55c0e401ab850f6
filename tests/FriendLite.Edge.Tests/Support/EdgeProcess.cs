using System.Diagnostics;
using System.Globalization;

namespace FriendLite.Edge.Tests.Support;

/// <summary>The build's own <c>friendlite-edge</c> binary as a separate process, as an administrator's shell or systemd runs it.</summary>
internal static class EdgeProcess
{
    public static string Binary => Path.Combine(AppContext.BaseDirectory, "friendlite-edge");

    /// <summary>Starts <c>serve</c> on 127.0.0.1; the caller kills it (or lets it stop) and disposes it.</summary>
    public static Process StartServe(int port, string dataDirectory) =>
        Start("serve", "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--data-dir", dataDirectory, "--log-level", "warn");

    public static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }

    /// <summary>Runs a command to its end: its exit code and what it printed.</summary>
    public static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var process = Start(args);
        return await WaitAsync(process);
    }

    public static async Task<(int Code, string Output, string Error)> WaitAsync(Process process)
    {
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync();
            throw new TimeoutException($"friendlite-edge did not exit within 30 s; it was killed. It printed: {await error}");
        }

        return (process.ExitCode, await output, await error);
    }

    /// <summary>Waits until the server answers /health, or throws when it exited or did not answer within 30 s.</summary>
    public static async Task WaitForHealthAsync(Process server, int port)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (server.HasExited)
            {
                throw new InvalidOperationException($"the server exited with {server.ExitCode}: {await server.StandardError.ReadToEndAsync()}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/health"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
            catch (TaskCanceledException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the server process did not answer /health");
            }

            await Task.Delay(50);
        }
    }
}
