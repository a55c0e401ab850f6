using System.Globalization;
using System.Net;
using System.Net.Sockets;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Native;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Transcription;
using Microsoft.Data.Sqlite;

namespace FriendLite.Edge.Server;

/// <summary>One line of <c>doctor</c>: ok, FAIL (with what to do) or skip (with why).</summary>
internal readonly record struct DoctorResult(string Status, string Check, string Text)
{
    public static DoctorResult Ok(string check, string text) => new("ok", check, text);

    public static DoctorResult Fail(string check, string what, string todo) => new("FAIL", check, $"{what} — {todo}");

    public static DoctorResult Skip(string check, string why) => new("skip", check, why);

    public bool Failed => Status == "FAIL";

    public override string ToString() => $"{Status,-4} {Check}: {Text}";
}

/// <summary>
/// The checks <c>doctor</c> runs, each on its own and without side effects that outlive it: no
/// migration, no file left behind, no port kept. They read what the server would meet at start.
/// </summary>
internal static class DoctorChecks
{
    /// <summary>A day surely past when this binary was built: a clock before it was never set (a Pi without a battery-backed clock starts in 1970).</summary>
    public static readonly DateTimeOffset SurelyPast = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static DoctorResult DataDirectory(string directory, MinFreeDisk floor)
    {
        const string check = "data directory";
        var existing = directory;
        while (!System.IO.Directory.Exists(existing))
        {
            if (File.Exists(existing))
            {
                return DoctorResult.Fail(check, $"{existing} is a file, not a directory", "give another --data-dir");
            }

            existing = Path.GetDirectoryName(existing) ?? "/";
        }

        var probe = Path.Combine(existing, $".doctor-probe-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}");
        try
        {
            using (var file = new FileStream(probe, FileMode.CreateNew, FileAccess.Write))
            {
                file.WriteByte(0);
            }

            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return DoctorResult.Fail(check, $"cannot write in {existing} ({Reasons.Of(ex)})",
                "run as the user the server runs as, or give that user the directory (chown), or give another --data-dir");
        }

        DiskUsage usage;
        try
        {
            usage = FreeSpaceWatcher.Probe(existing);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return DoctorResult.Fail(check, $"cannot read the free space of {existing} ({Reasons.Of(ex)})", "check that the file system is mounted");
        }

        var where = existing == directory ? $"{directory} is writable" : $"{directory} does not exist yet; serve creates it in {existing}, which is writable";
        var floorBytes = floor.BytesOf(usage.TotalBytes);
        var free = $"{FreeSpaceWatcher.Mib(usage.AvailableBytes)} MiB free, --min-free-disk keeps {FreeSpaceWatcher.Mib(floorBytes)} MiB";
        return usage.AvailableBytes < floorBytes
            ? DoctorResult.Fail(check, $"{where}, but only {free}: devices would be refused with 507", "free some space, or lower --min-free-disk")
            : DoctorResult.Ok(check, $"{where}, {free}");
    }

    public static DoctorResult DatabaseFile(string directory)
    {
        const string check = "database";
        var path = Path.Combine(directory, Database.FileName);
        if (!File.Exists(path))
        {
            return DoctorResult.Ok(check, $"none yet (serve creates {path})");
        }

        // Read-only and unpooled: doctor never migrates, and leaves no handle open on the file.
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        var problems = new List<string>();
        int version;
        try
        {
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "PRAGMA quick_check;";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var line = reader.GetString(0);
                    if (line != "ok")
                    {
                        problems.Add(line);
                    }
                }
            }

            version = problems.Count == 0 ? Database.ReadSchemaVersion(connection) : 0;
        }
        catch (SqliteException ex)
        {
            return DoctorResult.Fail(check, $"{path} cannot be read ({ex.SqliteErrorCode switch { 26 => "not a database", 11 => "damaged", _ => Reasons.Of(ex) }})", RestoreAdvice);
        }

        if (problems.Count > 0)
        {
            var shown = string.Join("; ", problems.Take(3)) + (problems.Count > 3 ? $"; and {problems.Count - 3} more" : "");
            return DoctorResult.Fail(check, $"{path} is damaged ({shown})", RestoreAdvice);
        }

        return version > Migrations.Latest
            ? DoctorResult.Fail(check, $"{path} has schema version {version}, newer than this binary understands ({Migrations.Latest}): this binary is older than the data",
                "run the newer friendlite-edge that wrote it")
            : DoctorResult.Ok(check, $"{path} passes quick_check, schema version {version} of {Migrations.Latest}{(version < Migrations.Latest ? " (serve migrates it)" : "")}");
    }

    private const string RestoreAdvice = "stop the server and restore the database from a backup (or move it aside to start empty)";

    /// <summary>The model as <c>model verify</c> checks it: every tensor, and the checksum when the file name is a standard model's.</summary>
    public static async Task<DoctorResult> ModelAsync(string path, CancellationToken cancellationToken)
    {
        const string check = "model";
        ModelInfo model;
        try
        {
            model = ModelFile.Inspect(path);
        }
        catch (InvalidDataException ex)
        {
            return DoctorResult.Fail(check, ex.Message.TrimEnd('.'), "give the right --model, or fetch one with 'friendlite-edge model download base.en'");
        }

        if (ModelCatalog.ByFile(Path.GetFileName(path)) is not { } known)
        {
            return DoctorResult.Ok(check, $"{path}: {model}");
        }

        try
        {
            await ModelDownloader.VerifyAsync(path, known.Sha256, known.Sha1, cancellationToken);
        }
        catch (InvalidDataException ex)
        {
            return DoctorResult.Fail(check, ex.Message.TrimEnd('.', ' ').Replace(": download it again", "", StringComparison.Ordinal),
                $"download it again with 'friendlite-edge model download {known.Name}'");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return DoctorResult.Fail(check, $"{path} cannot be read to its end ({Reasons.Of(ex)})", "check the disk, or download the model again");
        }

        return DoctorResult.Ok(check, $"{path}: {model}, {(known.Sha256 is not null ? "sha256" : "sha1")} matches {known.Name}");
    }

    public static DoctorResult VadModel(string path)
    {
        try
        {
            SileroVadModel.CheckFile(path);
            return DoctorResult.Ok("vad model", $"{path} is a readable ggml file");
        }
        catch (InvalidDataException ex)
        {
            return DoctorResult.Fail("vad model", ex.Message.TrimEnd('.'), "give the right --vad-model, or leave it out for the built-in energy VAD");
        }
    }

    public static DoctorResult Cpu(bool remoteAsr) => Cpu(CpuFeatures.Current, remoteAsr);

    internal static DoctorResult Cpu(CpuFeatures cpu, bool remoteAsr)
    {
        const string check = "cpu";
        if (cpu.WhisperUnsupportedReason is not { } reason)
        {
            return DoctorResult.Ok(check, $"{cpu.Summary}: local Whisper can run");
        }

        return remoteAsr
            ? DoctorResult.Ok(check, $"{cpu.Summary}: {reason}; this server transcribes through --asr")
            : DoctorResult.Fail(check, $"{cpu.Summary}: {reason}", "transcribe with a Wyoming server instead: --asr wyoming://HOST:PORT");
    }

    /// <summary>Whether serve could bind <paramref name="host"/>:<paramref name="port"/>, the address <paramref name="flag"/> gives (<c>--port</c>, <c>--wyoming-listen</c>).</summary>
    public static DoctorResult Port(string host, int port, string dataDirectory, string check = "port", string flag = "--port")
    {
        var where = $"{host}:{port.ToString(CultureInfo.InvariantCulture)}";
        IPAddress address;
        try
        {
            address = IPAddress.TryParse(host, out var parsed) ? parsed : Dns.GetHostAddresses(host)[0];
        }
        catch (Exception ex) when (ex is SocketException or IndexOutOfRangeException)
        {
            return DoctorResult.Fail(check, $"{host} is not an address of this machine", "give --host 0.0.0.0, 127.0.0.1 or one of this machine's addresses");
        }

        var listener = new TcpListener(address, port);
        try
        {
            listener.Start();
            return DoctorResult.Ok(check, $"{where} is free");
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            var server = System.IO.Directory.Exists(dataDirectory) ? DataDirectoryLock.Probe(dataDirectory) : default;
            if (server.Running)
            {
                var pid = server.Pid is { } known ? $"pid {known.ToString(CultureInfo.InvariantCulture)}" : "pid unknown";
                return DoctorResult.Ok(check, $"{where} in use by the running server ({pid})");
            }

            return DoctorResult.Fail(check, $"{where} is taken by another program", $"stop it (see 'ss -ltnp'), or give another {flag}");
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AccessDenied)
        {
            return DoctorResult.Fail(check, $"{where} needs privileges this user lacks", $"give {flag} a port above 1023");
        }
        catch (SocketException ex)
        {
            return DoctorResult.Fail(check, $"{where} cannot be bound ({Reasons.Of(ex.SocketErrorCode)})", "give --host 0.0.0.0 or one of this machine's addresses");
        }
        finally
        {
            listener.Stop();
        }
    }

    public static DoctorResult Clock(TimeProvider time)
    {
        var now = time.GetUtcNow();
        return now < SurelyPast
            ? DoctorResult.Fail("clock", $"the system time is {now:yyyy-MM-dd HH:mm} UTC, before this binary was built", "set the clock (timedatectl / an NTP server)")
            : DoctorResult.Ok("clock", $"{now:yyyy-MM-dd HH:mm} UTC");
    }
}
