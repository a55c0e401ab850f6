using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Server;

/// <summary>
/// One server per data directory: a second <c>serve</c> is refused before it touches anything, the
/// lock goes with the process (also on SIGKILL), and the CLI starting together with the server on a
/// new directory works.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class OneServerPerDataDirectoryTests
{
    [Fact]
    public async Task ServeAndUserAdd_StartedTogetherOnANewDirectory_BothWork_TenTimes()
    {
        for (var run = 0; run < 10; run++)
        {
            using var dir = new TempDirectory();
            var data = Path.Combine(dir.Path, "data");
            var passwordFile = Path.Combine(dir.Path, "pw");
            await File.WriteAllTextAsync(passwordFile, "correct horse battery\n");
            var port = TestServer.FreePort();

            using var server = EdgeProcess.StartServe(port, data);
            try
            {
                var (code, output, error) = await EdgeProcess.RunAsync("user", "add", "--email", "ann@example.com", "--admin", "--password-file", passwordFile, "--data-dir", data);

                Assert.True(code == 0, $"run {run}: user add exited {code}: {error}");
                Assert.StartsWith("Created administrator ann@example.com", output, StringComparison.Ordinal);
                await EdgeProcess.WaitForHealthAsync(server, port);
                using var client = new HttpClient();
                using var login = await client.PostAsync(new Uri($"http://127.0.0.1:{port}/auth/jwt/login"),
                    new FormUrlEncodedContent([new("username", "ann@example.com"), new("password", "correct horse battery")]));
                Assert.True(login.IsSuccessStatusCode, $"run {run}: login answered {login.StatusCode}");
            }
            finally
            {
                server.Kill();
                await server.WaitForExitAsync();
            }
        }
    }
}
