using System.Text.Json;
using System.Text.Json.Serialization;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Backup;

/// <summary>
/// <c>manifest.json</c>, the last file a backup writes: its presence says the backup finished. It
/// lists every other file with its size and SHA-256 (what <c>restore</c> checks before it copies
/// anything), the database's row counts and schema version, and where the data came from (the
/// database stores absolute audio paths, which a restore into another directory rewrites).
/// </summary>
internal sealed record BackupManifest(
    int Format,
    string Version,
    DateTimeOffset CreatedAt,
    string DataDirectory,
    int SchemaVersion,
    string IntegrityCheck,
    int OpenConversations,
    Dictionary<string, long> RowCounts,
    List<BackupFile> Files)
{
    public const string FileName = "manifest.json";
    public const int CurrentFormat = 1;

    public void Write(string directory)
    {
        // Written aside and renamed: a manifest that is there is a whole one.
        var path = Path.Combine(directory, FileName);
        var partial = path + ".part";
        File.WriteAllBytes(partial, JsonSerializer.SerializeToUtf8Bytes(this, BackupJsonContext.Default.BackupManifest));
        File.Move(partial, path);
    }

    /// <summary>The manifest of the backup in <paramref name="directory"/>, or a <see cref="StartupException"/> saying why there is none to trust.</summary>
    public static BackupManifest Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new StartupException(
                $"{directory} has no {FileName}: it is not a friendlite-edge backup, or its backup did not finish; give the directory 'friendlite-edge backup' wrote.");
        }

        BackupManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(File.ReadAllBytes(path), BackupJsonContext.Default.BackupManifest);
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"The backup {directory} is damaged: its {FileName} cannot be read ({Reasons.Of(ex)}); use another backup.", ex);
        }

        if (manifest is null || manifest.Files is null || manifest.DataDirectory is null || manifest.Files.Any(f => !IsInside(f.Path)))
        {
            throw new StartupException($"The backup {directory} is damaged: its {FileName} is incomplete or names files outside the backup; use another backup.");
        }

        if (manifest.Format > CurrentFormat)
        {
            throw new StartupException(
                $"The backup {directory} was written by friendlite-edge {manifest.Version} in a newer format than this one reads: restore it with that version or a newer one.");
        }

        return manifest;
    }

    /// <summary>A manifest's path must stay inside the directory it is restored into.</summary>
    private static bool IsInside(string? relative) =>
        !string.IsNullOrEmpty(relative)
        && !Path.IsPathRooted(relative)
        && relative.Split('/').All(part => part.Length > 0 && part != "." && part != "..");
}

/// <summary>One file of a backup, by its path relative to the data directory.</summary>
internal sealed record BackupFile(string Path, long Bytes, string Sha256);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(BackupManifest))]
internal sealed partial class BackupJsonContext : JsonSerializerContext;
