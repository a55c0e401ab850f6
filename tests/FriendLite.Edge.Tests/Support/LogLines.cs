using System.Collections.Concurrent;
using System.Text;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Tests.Support;

/// <summary>A log that keeps its lines for assertions; safe to read while the server writes.</summary>
internal sealed class LogLines : TextWriter
{
    private readonly ConcurrentQueue<string> _lines = new();

    public LogLines(LogLevel minimum = LogLevel.Debug)
    {
        Log = new Log(this, minimum, timestamps: false);
    }

    public Log Log { get; }

    public override Encoding Encoding => Encoding.UTF8;

    public IReadOnlyList<string> Lines => [.. _lines];

    public override void WriteLine(string? value) => _lines.Enqueue(value ?? "");

    /// <summary>The value of <c>name=value</c> in a log line.</summary>
    public static string Field(string line, string name) =>
        line.Split(' ').Single(f => f.StartsWith(name + "=", StringComparison.Ordinal))[(name.Length + 1)..];

    public async Task<string> WaitForAsync(string prefix, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            if (_lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"No log line starting with '{prefix}'. Lines:\n{string.Join('\n', _lines)}");
    }
}
