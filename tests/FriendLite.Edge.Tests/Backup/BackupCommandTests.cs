using System.Text.Json;
using Microsoft.Data.Sqlite;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Backup;

/// <summary><c>backup</c> beside a serving server and <c>restore</c> into a new data directory, as an administrator runs them.</summary>
public sealed class BackupCommandTests
{
    [Fact]
    public async Task BackupWhileServing_RestoredServerShowsSameConversationsTranscriptsAndAudio()
    {
        using var backups = new TempDirectory();
        var dest = Path.Combine(backups.Path, "monday");
        string token, closedId, openId, transcriptBefore;
        byte[] audioBefore;
        int openSamples;
        await using (var server = await TestServer.StartAsync())
        {
            var (user, issued) = await server.CreateUserAsync("ann@example.com");
            token = issued;
            var closed = await ConversationSeed.AddAsync(server, user.Id, Tone(32_000));
            var open = await ConversationSeed.AddAsync(server, user.Id, Tone(16_000), open: true, clientId: "pendant-2");
            (closedId, openId, openSamples) = (closed.Id, open.Id, 16_000);
            await new TranscriptStore(server.Server.Database).AddAsync(closedId, 0.2, 1.8, " Call the dentist on Friday.", "speaker_seeded-pendant", "whisper", "base.en", default);
            using var client = server.ClientWithToken(token);
            transcriptBefore = Transcript(await client.GetStringAsync($"api/conversations/{closedId}"));
            audioBefore = await client.GetByteArrayAsync($"api/conversations/{closedId}/audio");

            var (code, output, error) = await CliRunner.RunRootAsync(["backup", dest, "--data-dir", server.DataDirectory.Path]);

            Assert.True(code == 0, error);
            Assert.StartsWith($"Backed up {server.DataDirectory.Path} into {dest}: 4 files, ", output, StringComparison.Ordinal);
            Assert.Contains("1 conversation was still being recorded", output, StringComparison.Ordinal);
            Assert.True((await client.GetAsync("health")).IsSuccessStatusCode, "the server serves on after the backup");
        }

        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(dest, "manifest.json"))).RootElement;
        Assert.Equal("ok", manifest.GetProperty("integrity_check").GetString());
        Assert.Equal(2, manifest.GetProperty("row_counts").GetProperty("conversations").GetInt64());
        Assert.Equal(1, manifest.GetProperty("row_counts").GetProperty("transcript_segments").GetInt64());

        using var restored = new TempDirectory();
        var restore = await CliRunner.RunRootAsync(["restore", dest, "--data-dir", restored.Path]);
        Assert.True(restore.Code == 0, restore.Error);
        Assert.Contains($"into {restored.Path} in ", restore.Output, StringComparison.Ordinal);

        await using var again = await TestServer.StartAsync(dataDirectory: restored);
        again.KeepDataDirectory = true; // the using above removes it
        using var restoredClient = again.ClientWithToken(token); // the signing secret came back too
        Assert.Equal(transcriptBefore, Transcript(await restoredClient.GetStringAsync($"api/conversations/{closedId}")));
        Assert.Equal(audioBefore, await restoredClient.GetByteArrayAsync($"api/conversations/{closedId}/audio"));
        var wasOpen = JsonDocument.Parse(await restoredClient.GetStringAsync($"api/conversations/{openId}")).RootElement;
        Assert.Equal("closed", wasOpen.GetProperty("state").GetString()); // repaired and closed at start, as after a crash
        var openAudio = await restoredClient.GetByteArrayAsync($"api/conversations/{openId}/audio");
        Assert.Equal(44 + (openSamples * 2), openAudio.Length);
    }

    [Fact]
    public async Task Restore_BackupWithAChangedFile_IsRefusedNamingTheFile()
    {
        using var data = await SeededDataDirectoryAsync();
        using var backups = new TempDirectory();
        var dest = Path.Combine(backups.Path, "b");
        Assert.Equal(0, (await CliRunner.RunRootAsync(["backup", dest, "--data-dir", data.Path])).Code);
        var wav = Directory.GetFiles(Path.Combine(dest, "audio"), "*.wav", SearchOption.AllDirectories).Single();
        var bytes = File.ReadAllBytes(wav);
        bytes[^1] ^= 0x5a;
        File.WriteAllBytes(wav, bytes);
        using var target = new TempDirectory();

        var (code, _, error) = await CliRunner.RunRootAsync(["restore", dest, "--data-dir", target.Path]);

        Assert.Equal(1, code);
        Assert.Contains($"The backup {dest} is damaged: {Path.GetRelativePath(dest, wav)} does not match its checksum; nothing was restored", error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(target.Path));
    }

    [Fact]
    public async Task Restore_OntoADirectoryAServerHolds_IsRefused()
    {
        using var data = await SeededDataDirectoryAsync();
        using var backups = new TempDirectory();
        var dest = Path.Combine(backups.Path, "b");
        Assert.Equal(0, (await CliRunner.RunRootAsync(["backup", dest, "--data-dir", data.Path])).Code);
        await using var server = await TestServer.StartAsync();
        var before = Directory.GetFileSystemEntries(server.DataDirectory.Path).Order().ToList();

        var (code, _, error) = await CliRunner.RunRootAsync(["restore", dest, "--data-dir", server.DataDirectory.Path]);

        Assert.Equal(1, code);
        Assert.Contains($"A friendlite-edge server (pid {Environment.ProcessId}) is using the data directory {server.DataDirectory.Path}: stop it first", error, StringComparison.Ordinal);
        Assert.Equal(before, Directory.GetFileSystemEntries(server.DataDirectory.Path).Order().ToList());
    }

    [Fact]
    public async Task Restore_OntoANonEmptyDirectory_IsRefusedAndLeavesItAlone()
    {
        using var data = await SeededDataDirectoryAsync();
        using var backups = new TempDirectory();
        var dest = Path.Combine(backups.Path, "b");
        Assert.Equal(0, (await CliRunner.RunRootAsync(["backup", dest, "--data-dir", data.Path])).Code);
        using var target = new TempDirectory();
        File.WriteAllText(Path.Combine(target.Path, "notes.txt"), "mine");

        var (code, _, error) = await CliRunner.RunRootAsync(["restore", dest, "--data-dir", target.Path]);

        Assert.Equal(1, code);
        Assert.Contains($"The data directory {target.Path} is not empty: restore into a new or empty directory", error, StringComparison.Ordinal);
        Assert.Equal(["notes.txt"], Directory.GetFileSystemEntries(target.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Backup_IntoANonEmptyOrInsideDestination_IsRefused()
    {
        using var data = await SeededDataDirectoryAsync();
        using var used = new TempDirectory();
        File.WriteAllText(Path.Combine(used.Path, "old.txt"), "an earlier backup");
        var inside = Path.Combine(data.Path, "backups");

        var nonEmpty = await CliRunner.RunRootAsync(["backup", used.Path, "--data-dir", data.Path]);
        var within = await CliRunner.RunRootAsync(["backup", inside, "--data-dir", data.Path]);

        Assert.Equal(1, nonEmpty.Code);
        Assert.Contains($"The backup destination {used.Path} is not empty: give a new or empty directory", nonEmpty.Error, StringComparison.Ordinal);
        Assert.Equal(["old.txt"], Directory.GetFileSystemEntries(used.Path).Select(Path.GetFileName));
        Assert.Equal(1, within.Code);
        Assert.Contains($"The backup destination {inside} is inside the data directory {data.Path}: give a directory outside it", within.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(inside));
    }

    [Fact]
    public async Task Backup_OfAStoppedServersDirectory_LeavesItAsItWasAndTheBackupPrivate()
    {
        using var data = await SeededDataDirectoryAsync();
        var before = Directory.GetFileSystemEntries(data.Path).Order().ToList();
        using var backups = new TempDirectory();
        var dest = Path.Combine(backups.Path, "b");
        Directory.CreateDirectory(dest, (UnixFileMode)0b111_101_101); // an empty 0755 directory, as mkdir makes one

        var (code, output, error) = await CliRunner.RunRootAsync(["backup", dest, "--data-dir", data.Path]);

        Assert.True(code == 0, error);
        Assert.Contains(": 3 files, ", output, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dest)); // it holds the password hashes and the secret
        // No -wal or -shm left behind: made by another user (root), they would keep the server's user out of its database.
        Assert.Equal(before, Directory.GetFileSystemEntries(data.Path).Order().ToList());
    }

    [Fact]
    public async Task Backup_NativeLibraryCacheInTheDataDirectory_IsLeftOut()
    {
        // sudo -u friendlite friendlite-edge ...: that user's home is the data directory.
        using var data = await SeededDataDirectoryAsync();
        var cached = Path.Combine(data.Path, ".cache", "friendlite-edge", "0.1.0-0123456789ab");
        Directory.CreateDirectory(cached);
        File.WriteAllText(Path.Combine(cached, "libwhisper.so"), "a library the binary carries");
        using var backups = new TempDirectory();
        var dest = Path.Combine(backups.Path, "b");

        var (code, output, error) = await CliRunner.RunRootAsync(["backup", dest, "--data-dir", data.Path]);

        Assert.True(code == 0, error);
        Assert.Contains(": 3 files, ", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dest, ".cache")));
    }

    [Fact]
    public async Task Restore_OfABackupMadeThroughASymlink_MovesConversationAndJobAudioPathsToTheNewDirectory()
    {
        using var data = await SeededDataDirectoryAsync();
        var jobs = new JobStore(Database.Open(data.Path), TimeProvider.System);
        var wav = Directory.GetFiles(Path.Combine(data.Path, "audio"), "*.wav", SearchOption.AllDirectories).Single();
        var job = await jobs.EnqueueAsync("transcribe", JsonSerializer.Serialize(new Dictionary<string, object> { ["conversation_id"] = "c1", ["wav_path"] = wav, ["start_sample"] = 0 }), default);
        Database.ReleasePooledConnections();
        using var backups = new TempDirectory();
        var link = Path.Combine(backups.Path, "data-link"); // the server knew the directory by its real name, the backup by this one
        File.CreateSymbolicLink(link, data.Path);
        var dest = Path.Combine(backups.Path, "b");
        Assert.Equal(0, (await CliRunner.RunRootAsync(["backup", dest, "--data-dir", link])).Code);
        using var target = new TempDirectory();

        Assert.Equal(0, (await CliRunner.RunRootAsync(["restore", dest, "--data-dir", target.Path])).Code);

        var expected = Path.Combine(target.Path, Path.GetRelativePath(data.Path, wav));
        using var connection = new SqliteConnection($"Data Source={Path.Combine(target.Path, Database.FileName)};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT payload FROM jobs WHERE id = {job};";
        var payload = JsonDocument.Parse((string)command.ExecuteScalar()!).RootElement;
        command.CommandText = "SELECT audio_path FROM conversations;";
        Assert.Equal(expected, payload.GetProperty("wav_path").GetString());
        Assert.Equal(expected, (string)command.ExecuteScalar()!);
        Assert.True(File.Exists(expected));
    }

    /// <summary>A stopped server's data directory with a user and one closed conversation with its WAV.</summary>
    private static async Task<TempDirectory> SeededDataDirectoryAsync()
    {
        var data = new TempDirectory();
        await using var server = await TestServer.StartAsync(dataDirectory: data);
        server.KeepDataDirectory = true;
        var (user, _) = await server.CreateUserAsync("bob@example.com");
        await ConversationSeed.AddAsync(server, user.Id, Tone(8_000));
        return data;
    }

    private static short[] Tone(int samples) =>
        [.. Enumerable.Range(0, samples).Select(i => (short)(8000 * Math.Sin(2 * Math.PI * 440 * i / 16000.0)))];

    private static string Transcript(string conversationJson) =>
        JsonDocument.Parse(conversationJson).RootElement.GetProperty("transcript").GetRawText();
}
