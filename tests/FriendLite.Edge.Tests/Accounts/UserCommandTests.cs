using System.Net;
using FriendLite.Edge.Accounts;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Accounts;

/// <summary>The account commands, run in-process against the data directory of a running server.</summary>
public sealed class UserCommandTests
{
    [Fact]
    public async Task UserAdd_ThenTokenCreate_GivesATokenTheRunningServerAccepts()
    {
        await using var server = await TestServer.StartAsync();
        var dir = server.DataDirectory.Path;

        var add = await RunAsync(["user", "add", "--email", "ann@example.com", "--display-name", "Ann", "--data-dir", dir], "correct horse battery");
        var token = await RunAsync(["token", "create", "--email", "ann@example.com", "--lifetime", "365d", "--data-dir", dir]);
        using var client = server.ClientWithToken(token.Output.Trim());
        using var me = await client.GetAsync("/api/me");

        Assert.Equal(0, add.Code);
        Assert.StartsWith("Created user ann@example.com (id ", add.Output, StringComparison.Ordinal);
        Assert.Equal(0, token.Code);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
    }

    [Fact]
    public async Task UserAdd_PasswordFileAndAdmin_ThenListShowsIt()
    {
        using var dir = new TempDirectory();
        var passwordFile = Path.Combine(dir.Path, "pw");
        await File.WriteAllTextAsync(passwordFile, "a long enough password\n");

        var add = await RunAsync(["user", "add", "--email", "root@example.com", "--admin", "--password-file", passwordFile, "--data-dir", dir.Path]);
        var list = await RunAsync(["user", "list", "--data-dir", dir.Path]);

        Assert.Equal(0, add.Code);
        Assert.StartsWith("Created administrator root@example.com", add.Output, StringComparison.Ordinal);
        var lines = list.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("ID", lines[0], StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{24}  root@example.com +yes +yes ", lines[1]);
    }

    [Fact]
    public async Task UserAdd_ExistingEmailOrWeakPassword_ExitsOneWithSentence()
    {
        using var dir = new TempDirectory();
        await RunAsync(["user", "add", "--email", "ann@example.com", "--data-dir", dir.Path], "correct horse battery");

        var duplicate = await RunAsync(["user", "add", "--email", "ANN@example.com", "--data-dir", dir.Path], "correct horse battery");
        var weak = await RunAsync(["user", "add", "--email", "bob@example.com", "--data-dir", dir.Path], "short");
        var noPassword = await RunAsync(["user", "add", "--email", "eve@example.com", "--data-dir", dir.Path], null);

        Assert.Equal((1, "error: A user with the email ANN@example.com already exists.\n"), (duplicate.Code, duplicate.Error));
        Assert.Equal((1, "error: The password must have at least 8 characters.\n"), (weak.Code, weak.Error));
        Assert.Equal(1, noPassword.Code);
        Assert.Contains("--password-file", noPassword.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserPasswd_ChangesThePasswordUsedToLogIn()
    {
        await using var server = await TestServer.StartAsync();
        var dir = server.DataDirectory.Path;
        await RunAsync(["user", "add", "--email", "ann@example.com", "--data-dir", dir], "first password");

        var passwd = await RunAsync(["user", "passwd", "--email", "ann@example.com", "--data-dir", dir], "second password");
        using var oldLogin = await server.Client.PostAsync("/auth/jwt/login", Form("ann@example.com", "first password"));
        using var newLogin = await server.Client.PostAsync("/auth/jwt/login", Form("ann@example.com", "second password"));

        Assert.Equal(0, passwd.Code);
        Assert.Equal(HttpStatusCode.BadRequest, oldLogin.StatusCode);
        Assert.Equal(HttpStatusCode.OK, newLogin.StatusCode);
    }

    [Fact]
    public async Task UserDelete_RemovesTheUserAndUnknownEmailExitsOne()
    {
        using var dir = new TempDirectory();
        await RunAsync(["user", "add", "--email", "ann@example.com", "--data-dir", dir.Path], "correct horse battery");

        var delete = await RunAsync(["user", "delete", "--email", "ann@example.com", "--data-dir", dir.Path]);
        var again = await RunAsync(["user", "delete", "--email", "ann@example.com", "--data-dir", dir.Path]);
        var token = await RunAsync(["token", "create", "--email", "ann@example.com", "--data-dir", dir.Path]);

        Assert.Equal((0, "Deleted ann@example.com; its data was kept.\n"), (delete.Code, delete.Output));
        Assert.Equal((1, "error: No user has the email ann@example.com.\n"), (again.Code, again.Error));
        Assert.Equal(1, token.Code);
    }

    [Theory]
    [InlineData("user", "add")]
    [InlineData("token", "create")]
    public async Task Commands_WithoutEmail_ExitTwo(string command, string subcommand)
    {
        using var dir = new TempDirectory();

        var result = await RunAsync([command, subcommand, "--data-dir", dir.Path]);

        Assert.Equal(2, result.Code);
        Assert.Contains("--email", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenCreate_BadLifetime_ExitsTwo()
    {
        using var dir = new TempDirectory();

        var result = await RunAsync(["token", "create", "--email", "a@example.com", "--lifetime", "forever", "--data-dir", dir.Path]);

        Assert.Equal(2, result.Code);
        Assert.StartsWith("error: --lifetime 'forever' is not a duration", result.Error, StringComparison.Ordinal);
    }

    private static FormUrlEncodedContent Form(string email, string password) => new([new("username", email), new("password", password)]);

    private static Task<(int Code, string Output, string Error)> RunAsync(string[] args, string? password = null) =>
        CliRunner.RunAsync((output, error) => UserCommands.Create(output, error, _ => password), args);
}
