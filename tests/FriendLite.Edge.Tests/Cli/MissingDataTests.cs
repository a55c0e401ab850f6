using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Cli;

/// <summary>
/// A command that reads or changes what a data directory holds, run where there is no database: a
/// newcomer's typo in --data-dir, or a first try before the server ever ran. It says so and how to
/// start, and leaves nothing behind (no directory, no database, no secret).
/// </summary>
public sealed class MissingDataTests
{
    public static TheoryData<string, bool> Commands()
    {
        var data = new TheoryData<string, bool>();
        foreach (var command in new[]
        {
            "user list", "user delete --email ann@example.com", "user passwd --email ann@example.com",
            "user deactivate --email ann@example.com", "user activate --email ann@example.com",
            "token create --email ann@example.com", "jobs list", "jobs retry 1", "jobs cancel 1",
        })
        {
            data.Add(command, false);
            data.Add(command, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task ReadingCommand_WithoutADatabase_ExitsOneNamingTheDirectoryAndCreatesNothing(string command, bool directoryExists)
    {
        using var parent = new TempDirectory();
        var dir = Path.Combine(parent.Path, "my data");
        if (directoryExists)
        {
            Directory.CreateDirectory(dir);
        }

        var (code, output, error) = await CliRunner.RunRootAsync([.. command.Split(' '), "--data-dir", dir], "correct horse battery");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"error: No FriendLite data in {dir}: start the server with 'friendlite-edge serve --data-dir \"{dir}\"' "
            + $"or add a user with 'friendlite-edge user add --email EMAIL --data-dir \"{dir}\"'.\n", error);
        Assert.Equal(directoryExists ? [dir] : [], Directory.GetFileSystemEntries(parent.Path));
        Assert.True(!directoryExists || Directory.GetFileSystemEntries(dir).Length == 0, "the empty data directory stays empty");
    }

    [Fact]
    public async Task ReadingCommand_RelativeDataDirectory_IsNamedInFull()
    {
        using var parent = new TempDirectory();
        var dir = Path.Combine(parent.Path, "missing");

        var (code, _, error) = await CliRunner.RunRootAsync(["user", "list", "--data-dir", Path.GetRelativePath(Environment.CurrentDirectory, dir)]);

        Assert.Equal(1, code);
        Assert.StartsWith($"error: No FriendLite data in {dir}: ", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task UserAdd_OnANewDataDirectory_CreatesItAndTheUser()
    {
        using var parent = new TempDirectory();
        var dir = Path.Combine(parent.Path, "new", "data");

        var add = await CliRunner.RunRootAsync(["user", "add", "--email", "ann@example.com", "--data-dir", dir], "correct horse battery");
        var list = await CliRunner.RunRootAsync(["user", "list", "--data-dir", dir]);

        Assert.Equal(0, add.Code);
        Assert.StartsWith("Created user ann@example.com (id ", add.Output, StringComparison.Ordinal);
        Assert.Equal(0, list.Code);
        Assert.Contains("ann@example.com", list.Output, StringComparison.Ordinal);
    }
}
