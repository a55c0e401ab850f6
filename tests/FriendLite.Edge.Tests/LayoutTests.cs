using System.Text.RegularExpressions;

namespace FriendLite.Edge.Tests;

/// <summary>
/// The README's Layout section, checked: namespaces equal folders, dependencies between folders
/// point one way, and no production file passes the house limit of 300 lines. A dependency is a
/// <c>using FriendLite.Edge.X;</c> line or a name qualified with a folder (<c>Storage.DataDirectory</c>).
/// </summary>
public sealed partial class LayoutTests
{
    /// <summary>What each production folder may use; keep in step with the README's Layout section.</summary>
    private static readonly Dictionary<string, string[]> s_allowed = new()
    {
        ["Server"] = ["Http", "Web", "HomeAssistant", "Connections", "Accounts", "Sessions", "Memory", "Uploads", "Transcription", "Audio", "Storage", "Native", "Cli", "Concurrency", "Diagnostics"],
        ["Http"] = ["Accounts", "Sessions", "Memory", "Uploads", "Transcription", "Jobs", "Wyoming", "Storage", "Connections", "Concurrency", "Diagnostics"],
        ["Web"] = ["Http", "Diagnostics"],
        ["Connections"] = ["Concurrency", "Diagnostics"],
        ["Accounts"] = ["Storage", "Cli", "Concurrency", "Diagnostics"],
        ["Sessions"] = ["Transcription", "Audio", "Wyoming", "Storage", "Concurrency", "Diagnostics"],
        ["Memory"] = ["Storage", "Concurrency", "Diagnostics"],
        ["Uploads"] = ["Audio", "Transcription", "Storage", "Diagnostics"],
        ["HomeAssistant"] = ["Sessions", "Transcription", "Wyoming", "Audio", "Storage", "Connections", "Concurrency", "Diagnostics"],
        ["Transcription"] = ["Audio", "Wyoming", "Storage", "Native", "Cli", "Concurrency", "Diagnostics"],
        ["Wyoming"] = ["Audio"],
        ["Audio"] = [],
        ["Storage"] = ["Diagnostics"],
        ["Cli"] = ["Storage", "Diagnostics"],
        ["Concurrency"] = ["Diagnostics"],
        ["Diagnostics"] = [],
        ["Loadgen"] = ["Audio", "Wyoming", "Cli", "Concurrency", "Diagnostics"],
        ["Jobs"] = ["Storage", "Cli", "Diagnostics"],
        ["Native"] = ["Diagnostics"],
        ["Backup"] = ["Storage", "Cli", "Diagnostics"],
        ["Install"] = ["Storage", "Cli", "Diagnostics"],
    };

    private static readonly string s_root = FindRoot();

    [Fact]
    public void EveryProductionFolder_HasDependencyRules()
    {
        var folders = ProductionFolders().ToList();

        Assert.Equal(s_allowed.Keys.Order(StringComparer.Ordinal), folders.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Namespaces_EqualFolders()
    {
        var wrong = new List<string>();
        foreach (var (file, expected) in SourceFiles().Select(f => (f, ExpectedNamespace(f))))
        {
            var declared = NamespaceDeclaration().Match(File.ReadAllText(file));
            if (expected is not null && (!declared.Success || declared.Groups[1].Value != expected))
            {
                wrong.Add($"{Relative(file)} declares '{(declared.Success ? declared.Groups[1].Value : "no namespace")}', not '{expected}'");
            }
        }

        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    [Fact]
    public void Dependencies_PointOneWay()
    {
        var folders = ProductionFolders().ToList();
        var typesByFolder = folders.ToDictionary(f => f, f => ProductionFiles(f).SelectMany(DeclaredTypes).ToHashSet(StringComparer.Ordinal));
        var qualified = new Regex($@"(?<![\w.])({string.Join('|', folders)})\.([A-Z]\w*)");
        var violations = new List<string>();
        foreach (var folder in folders)
        {
            foreach (var file in ProductionFiles(folder))
            {
                var text = File.ReadAllText(file);
                var used = UsingDirective().Matches(text).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
                used.UnionWith(qualified.Matches(CodeOnly(text))
                    .Where(m => typesByFolder[m.Groups[1].Value].Contains(m.Groups[2].Value))
                    .Select(m => m.Groups[1].Value));
                used.Remove(folder);
                violations.AddRange(used.Where(u => !s_allowed.GetValueOrDefault(folder, []).Contains(u))
                    .Select(u => $"{Relative(file)} uses {u}, which {folder}/ may not use"));
            }
        }

        Assert.True(violations.Count == 0, string.Join('\n', violations));
    }

    [Fact]
    public void ProductionFiles_AreAtMost300Lines()
    {
        var tooLong = ProductionFolders().SelectMany(ProductionFiles).Append(Path.Combine(s_root, "Program.cs"))
            .Select(f => (File: Relative(f), Lines: File.ReadLines(f).Count()))
            .Where(f => f.Lines > 300)
            .Select(f => $"{f.File}: {f.Lines} lines")
            .ToList();

        Assert.True(tooLong.Count == 0, string.Join('\n', tooLong));
    }

    private static IEnumerable<string> ProductionFolders() =>
        Directory.EnumerateDirectories(s_root)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(d => !d.StartsWith('.') && d is not ("tests" or "bin" or "obj" or "dist" or "deploy"))
            .Where(d => Directory.EnumerateFiles(Path.Combine(s_root, d), "*.cs", SearchOption.AllDirectories).Any());

    private static IEnumerable<string> ProductionFiles(string folder) =>
        Directory.EnumerateFiles(Path.Combine(s_root, folder), "*.cs", SearchOption.AllDirectories);

    private static IEnumerable<string> SourceFiles() =>
        ProductionFolders().SelectMany(ProductionFiles)
            .Concat(Directory.EnumerateFiles(Path.Combine(s_root, "tests", "FriendLite.Edge.Tests"), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    /// <summary>FriendLite.Edge.&lt;folders&gt; for production, FriendLite.Edge.Tests.&lt;folders&gt; for tests.</summary>
    private static string? ExpectedNamespace(string file)
    {
        var relative = Path.GetRelativePath(s_root, Path.GetDirectoryName(file)!).Split(Path.DirectorySeparatorChar);
        return relative switch
        {
            ["tests", "FriendLite.Edge.Tests", .. var rest] => string.Join('.', ["FriendLite.Edge.Tests", .. rest]),
            _ => string.Join('.', ["FriendLite.Edge", .. relative]),
        };
    }

    private static IEnumerable<string> DeclaredTypes(string file) =>
        TypeDeclaration().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value);

    /// <summary>The text without string literals and comments, so a log message or a comment naming a folder is not a dependency.</summary>
    private static string CodeOnly(string text) => LineComment().Replace(StringLiteral().Replace(text, "\"\""), "");

    private static string Relative(string file) => Path.GetRelativePath(s_root, file);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FriendLite.Edge.csproj")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No FriendLite.Edge.csproj above {AppContext.BaseDirectory}: the layout tests read the sources.");
    }

    [GeneratedRegex(@"^namespace ([\w.]+);", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"^using FriendLite\.Edge\.(\w+)", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"^(?:internal|public)\s+(?:(?:static|sealed|abstract|readonly|partial|record)\s+)*(?:class|record|struct|enum|interface|delegate\s+\S+)\s+(\w+)", RegexOptions.Multiline)]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"""(?:\\.|[^""\\\n])*""")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"//.*")]
    private static partial Regex LineComment();
}
