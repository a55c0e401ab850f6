using System.Text.RegularExpressions;
using FriendLite.Edge.Install;
using FriendLite.Edge.Server;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Install;

/// <summary>
/// <c>install</c> staged with <c>--root</c> into a temporary directory, from a stand-in binary, with
/// the system's programs (getent, useradd, systemctl, the old binary's --version) answered here:
/// no test creates a user or talks to systemd.
/// </summary>
public sealed partial class InstallCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakePrograms _programs = new();

    private string Stage => Path.Combine(_dir.Path, "stage");

    private string Binary => Path.Combine(_dir.Path, "friendlite-edge");

    public InstallCommandTests() => File.WriteAllText(Binary, "binary, first build");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Install_IntoStagingRoot_PlacesTheFilesWithTheirModes()
    {
        var run = await RunAsync("--root", Stage);

        Assert.Equal(0, run.Code);
        var binary = Path.Combine(Stage, "usr/local/bin/friendlite-edge");
        Assert.Equal("binary, first build", File.ReadAllText(binary));
        Assert.Equal("755", Mode(binary));
        Assert.Equal("644", Mode(Path.Combine(Stage, "etc/systemd/system/friendlite-edge.service")));
        Assert.Equal("600", Mode(Path.Combine(Stage, "etc/default/friendlite-edge")));
        Assert.Empty(Directory.EnumerateFiles(Stage, ".*", SearchOption.AllDirectories));
        Assert.Contains("installed      /usr/local/bin/friendlite-edge (", run.Output, StringComparison.Ordinal);
        Assert.Empty(_programs.Calls);
    }

    [Fact]
    public async Task Install_Unit_IsTheRepositorysDeployFileWithThePrefixApplied()
    {
        var deploy = File.ReadAllText(Path.Combine(RepositoryRoot(), "deploy", "friendlite-edge.service"));

        await RunAsync("--root", Stage);
        await RunAsync("--root", Path.Combine(_dir.Path, "opt"), "--prefix", "/opt/friendlite/");

        Assert.Equal(deploy, File.ReadAllText(Path.Combine(Stage, "etc/systemd/system/friendlite-edge.service")));
        var moved = File.ReadAllText(Path.Combine(_dir.Path, "opt/etc/systemd/system/friendlite-edge.service"));
        Assert.Equal(deploy.Replace("ExecStart=/usr/local/bin/friendlite-edge serve", "ExecStart=/opt/friendlite/bin/friendlite-edge serve", StringComparison.Ordinal), moved);
        Assert.NotEqual(deploy, moved);
        Assert.True(File.Exists(Path.Combine(_dir.Path, "opt/opt/friendlite/bin/friendlite-edge")));
    }

    [Fact]
    public async Task Install_SecondRunWithANewerBinary_UpgradesAndKeepsTheSettings()
    {
        await RunAsync("--root", Stage);
        var settings = Path.Combine(Stage, "etc/default/friendlite-edge");
        File.WriteAllText(settings, "FRIENDLITE_PORT=9000\n");
        File.WriteAllText(Binary, "binary, second build");
        _programs.Answer(Path.Combine(Stage, "usr/local/bin/friendlite-edge"), new ProgramResult(0, "0.0.9"));

        var run = await RunAsync("--root", Stage);

        Assert.Equal(0, run.Code);
        Assert.Equal("binary, second build", File.ReadAllText(Path.Combine(Stage, "usr/local/bin/friendlite-edge")));
        Assert.Equal("FRIENDLITE_PORT=9000\n", File.ReadAllText(settings));
        Assert.Matches(@"upgraded +/usr/local/bin/friendlite-edge from 0\.0\.9 to \S+", run.Output);
        Assert.Matches(@"unchanged +/etc/systemd/system/friendlite-edge.service", run.Output);
        Assert.Matches(@"kept +/etc/default/friendlite-edge \(your settings are never overwritten\)", run.Output);
    }

    [Fact]
    public async Task Install_NotRootAndNoStagingRoot_RefusesInOneSentence()
    {
        var run = await RunAsync(isRoot: false);

        Assert.Equal(1, run.Code);
        Assert.Equal("error: install writes to /usr/local, /etc and creates a system user: run it with sudo, or give --root DIR to stage the files.\n", run.Error);
        Assert.Equal("", run.Output);
        Assert.Empty(_programs.Calls);
    }

    [Fact]
    public async Task Install_DryRun_WritesNothing()
    {
        Directory.CreateDirectory(Stage);

        var run = await RunAsync("--root", Stage, "--dry-run");

        Assert.Equal(0, run.Code);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Stage));
        Assert.Matches(@"would install +/usr/local/bin/friendlite-edge", run.Output);
        Assert.Matches(@"would write +/etc/systemd/system/friendlite-edge.service", run.Output);
    }

    [Fact]
    public async Task Install_DryRunAsRoot_LooksForTheUserButCreatesNothing()
    {
        _programs.Answer("getent", new ProgramResult(2, ""));

        var run = await RunAsync("--dry-run");

        Assert.Equal(0, run.Code);
        Assert.Equal(["getent passwd friendlite"], _programs.Calls);
        Assert.Matches(@"would create +the system user friendlite", run.Output);
        Assert.Contains("nothing was changed: --dry-run", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_WhereTheBinaryCannotGo_FailsInOneSentence()
    {
        Directory.CreateDirectory(Path.Combine(Stage, "usr"));
        File.WriteAllText(Path.Combine(Stage, "usr/local"), "a file where a directory should be");

        var run = await RunAsync("--root", Stage);

        Assert.Equal(1, run.Code);
        Assert.Matches(@"^error: Cannot install /usr/local/bin/friendlite-edge \([a-z ]+\): check that you may write there, or give another --prefix or --root\.\n$", run.Error);
        Assert.False(Directory.Exists(Path.Combine(Stage, "etc")));
    }

    [Fact]
    public async Task Install_StartWithStagingRoot_IsAUsageError()
    {
        var run = await RunAsync("--root", Stage, "--start");

        Assert.Equal(2, run.Code);
        Assert.Contains("--start cannot be used with --root", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Stage));
    }

    [Fact]
    public void Settings_EveryVariable_IsOneServeReads()
    {
        var serve = ServeCommand.Create().Options
            .Select(o => EnvironmentName().Match(o.Description ?? ""))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value)
            .Append("FRIENDLITE_LLM_API_KEY") // read by serve beside --llm-api-key-file (its help names it)
            .ToHashSet(StringComparer.Ordinal);

        var named = SettingName().Matches(InstallTexts.Settings("/usr/local")).Select(m => m.Groups[1].Value).ToList();

        Assert.NotEmpty(named);
        Assert.DoesNotContain(named, n => !serve.Contains(n));
        Assert.DoesNotContain("FRIENDLITE_DATA_DIR", named);
    }

    private Task<(int Code, string Output, string Error)> RunAsync(params string[] args) => RunAsync(isRoot: true, args);

    private Task<(int Code, string Output, string Error)> RunAsync(bool isRoot, params string[] args) =>
        CliRunner.RunAsync((output, error) => [InstallCommand.Create(output, error, _programs, isRoot, Binary)], ["install", .. args]);

    private static string Mode(string path) => Convert.ToString((int)File.GetUnixFileMode(path), 8);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FriendLite.Edge.csproj")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No FriendLite.Edge.csproj above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"\[env: (FRIENDLITE_\w+)\]")]
    private static partial Regex EnvironmentName();

    [GeneratedRegex(@"^#?(FRIENDLITE_\w+)=", RegexOptions.Multiline)]
    private static partial Regex SettingName();

    /// <summary>Answers for the system's programs and records each call as it would be typed.</summary>
    private sealed class FakePrograms : IProgramRunner
    {
        private readonly Dictionary<string, ProgramResult> _answers = new(StringComparer.Ordinal);

        public List<string> Calls { get; } = [];

        public void Answer(string program, ProgramResult result) => _answers[program] = result;

        public Task<ProgramResult> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
        {
            if (arguments is not ["--version"])
            {
                Calls.Add(string.Join(' ', [program, .. arguments]));
            }

            return Task.FromResult(_answers.GetValueOrDefault(program, new ProgramResult(0, "")));
        }
    }
}
