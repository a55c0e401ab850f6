using System.Globalization;
using System.Text.RegularExpressions;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Server;

/// <summary>
/// What the shipped binary says when it cannot start, read from its own process: every reason is
/// ours, in words, never a framework resource key (the AOT build once printed
/// <c>IO_FileNotFound_FileName</c> where a person expected a sentence).
/// </summary>
public sealed partial class MessagesInOurWordsTests
{
    [Fact]
    public async Task Serve_DataDirectoryThatCannotBeCreated_SaysWhyInWords()
    {
        var (code, _, error) = await EdgeProcess.RunAsync("serve", "--host", "127.0.0.1", "--port", Port(), "--data-dir", "/proc/friendlite-no-such-dir");

        Assert.Equal(1, code);
        Assert.Equal(
            "error server: The data directory /proc/friendlite-no-such-dir is not writable (no such file or directory): fix its permissions or choose another with --data-dir or FRIENDLITE_DATA_DIR.",
            ErrorLine(error));
        AssertNoResourceKeys(error);
    }

    [Fact]
    public async Task Serve_HostThatIsNoAddressOfThisMachine_SaysSoInWords()
    {
        using var dir = new TempDirectory();
        var port = Port();

        // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of a real machine.
        var (code, _, error) = await EdgeProcess.RunAsync("serve", "--host", "192.0.2.1", "--port", port, "--data-dir", dir.Path);

        Assert.Equal(1, code);
        Assert.Equal($"error server: Cannot listen on 192.0.2.1:{port}: it is not an address of this machine; check --host.", ErrorLine(error));
        AssertNoResourceKeys(error);
    }

    [Fact]
    public async Task Serve_HostThatIsNeitherAnAddressNorAName_SaysSoInWords()
    {
        using var dir = new TempDirectory();

        var (code, _, error) = await EdgeProcess.RunAsync("serve", "--host", "999.1.1.1", "--port", Port(), "--data-dir", dir.Path);

        Assert.Equal(1, code);
        Assert.Equal("error server: Cannot listen on 999.1.1.1: it is not an IP address and no host has that name; check --host.", ErrorLine(error));
        AssertNoResourceKeys(error);
    }

    [Fact]
    public async Task ModelSynth_UnderAFileInsteadOfADirectory_SaysWhyInWords()
    {
        using var dir = new TempDirectory();
        var file = Path.Combine(dir.Path, "notes.txt");
        await File.WriteAllTextAsync(file, "");
        var target = Path.Combine(file, "model.bin");

        var (code, _, error) = await EdgeProcess.RunAsync("model", "synth", "--out", target);

        Assert.Equal(1, code);
        Assert.Equal($"error: cannot write {target}: {file} is a file, not a folder.", error.Trim());
        AssertNoResourceKeys(error);
    }

    /// <summary>A framework resource key as the AOT build prints them: <c>IO_FileNotFound_FileName</c>, <c>net_listener_not_supported</c>, <c>ExpectedStartOfPropertyNotFound</c>.</summary>
    internal static void AssertNoResourceKeys(string text)
    {
        var keys = ResourceKey().Matches(text).Select(m => m.Value).ToList();
        Assert.True(keys.Count == 0, $"resource keys in: {text}");
    }

    private static string ErrorLine(string stderr) =>
        Assert.Single(stderr.Split('\n'), l => l.StartsWith("error", StringComparison.Ordinal));

    private static string Port() => TestServer.FreePort().ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\b(?=\w*_)(?=\w*[a-z])(?=\w*[A-Z])\w+\b|\bnet_\w+|\b[A-Z][a-z]+(?:[A-Z][a-z]+){3,}\b")]
    private static partial Regex ResourceKey();
}
