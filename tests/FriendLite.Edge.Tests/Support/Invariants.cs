using System.Globalization;
using Microsoft.Data.Sqlite;
using FriendLite.Edge.Concurrency;

namespace FriendLite.Edge.Tests.Support;

/// <summary>
/// The lifecycle invariants of SCENARIOS.md, measured on this process: file descriptors (all, and
/// those on WAV files), threads that are not thread-pool workers (the pool grows and shrinks on its
/// own schedule; no per-client thread may exist), live task groups, the registry, and the server's
/// side of TCP connections, and SQLite agreeing with the registry (the conversations open in the
/// database are exactly the live sessions' current ones). Tests using it run in the serial
/// collection so nothing else moves the counts.
/// </summary>
internal sealed record Invariants(int Fds, int WavFds, int OwnThreads, int LiveGroups)
{
    public static Invariants Take()
    {
        SqliteConnection.ClearAllPools(); // pooled connections come and go with load; compare without them
        var fds = Descriptors();
        var wavFds = fds.Count(target => target.EndsWith(".wav", StringComparison.Ordinal));
        return new Invariants(fds.Count, wavFds, OwnThreadNames().Count, TaskGroup.LiveGroups);
    }

    /// <summary>Waits (up to 30 s) until every count is back to <paramref name="baseline"/> and the server holds no session.</summary>
    public static async Task AssertBackToAsync(Invariants baseline, TestServer server)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Invariants now;
        while (true)
        {
            now = Take();
            var clean = server.Server.Sessions.Count == 0
                && server.Server.Snapshot().Groups.All(g => g.Groups.Count == 0)
                && now.WavFds == 0
                && now.OwnThreads <= baseline.OwnThreads
                && now.LiveGroups == baseline.LiveGroups
                && now.Fds <= baseline.Fds
                && EstablishedServerConnections(server.Port) == 0
                && OpenConversationsDisagree(server) is null;
            if (clean)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"not back to baseline: before {baseline}, after {now}, sessions {server.Server.Sessions.Count}, {OpenConversationsDisagree(server) ?? "SQLite agrees"}, " +
            $"established {EstablishedServerConnections(server.Port)}, threads [{string.Join(", ", OwnThreadNames())}], fds [{string.Join(", ", Descriptors())}]");
    }

    /// <summary>With the server gone: descriptors, WAV descriptors, own threads and live groups back to what they were before it started.</summary>
    public static async Task AssertProcessBackToAsync(Invariants baseline)
    {
        bool Back(Invariants now) => now.WavFds == 0 && now.Fds <= baseline.Fds && now.OwnThreads <= baseline.OwnThreads && now.LiveGroups == baseline.LiveGroups;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var now = Take();
        while (!Back(now) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            now = Take();
        }

        Assert.True(Back(now), $"not back to baseline: before {baseline}, after {now}");
    }

    /// <summary>Null when the conversations open in SQLite are exactly the live sessions' current ones; otherwise what differs.</summary>
    public static string? OpenConversationsDisagree(TestServer server)
    {
        var live = server.Server.Sessions.List(null).Select(s => s.Session?.CurrentConversationId).OfType<string>().ToHashSet(StringComparer.Ordinal);
        using var connection = server.Server.Database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM conversations WHERE state = 'open';";
        var open = new HashSet<string>(StringComparer.Ordinal);
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                open.Add(reader.GetString(0));
            }
        }

        return open.SetEquals(live) ? null : $"open in SQLite [{string.Join(", ", open)}], live in the registry [{string.Join(", ", live)}]";
    }

    /// <summary>TCP connections in state ESTABLISHED whose local port is the server's: the server's side of device sockets.</summary>
    public static int EstablishedServerConnections(int port)
    {
        var count = 0;
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var local = fields[1];
                var localPort = int.Parse(local[(local.LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (localPort == port && fields[3] == "01")
                {
                    count++;
                }
            }
        }

        return count;
    }

    /// <summary>
    /// Open descriptors, leaving out the assemblies the JIT-compiled test host maps as it loads them
    /// lazily (the AOT server has none): sockets, pipes, WAV files and databases remain.
    /// </summary>
    private static List<string> Descriptors() =>
        [.. Directory.GetFiles("/proc/self/fd").Select(Target).Where(t => !t.EndsWith(".dll", StringComparison.Ordinal) && !t.EndsWith(".pdb", StringComparison.Ordinal))];

    private static List<string> OwnThreadNames() =>
        [.. Directory.GetDirectories("/proc/self/task")
            .Select(t => SafeRead(Path.Combine(t, "comm")).Trim())
            .Where(name => name is not (".NET TP Worker" or ".NET BGC"))]; // the background GC's thread starts at the first such collection

    private static string Target(string fd)
    {
        try
        {
            return new FileInfo(fd).LinkTarget ?? "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static string SafeRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
    }
}
