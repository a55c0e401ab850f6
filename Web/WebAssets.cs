using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace FriendLite.Edge.Web;

/// <summary>
/// The web page's files, from the resources the build embeds (Web/wwwroot, as <c>web/&lt;name&gt;</c>),
/// read and compressed once per process on first use. A build hash over all of them names the
/// prefix <c>/app/&lt;hash&gt;/</c> the assets are served under, so a browser may keep them for good:
/// a new build is a new prefix. index.html says <c>{{assets}}</c> where it means that prefix.
/// </summary>
internal sealed class WebAssets
{
    public const string IndexName = "index.html";
    public const string IconName = "icon.svg";
    private const string ResourcePrefix = "web/";
    private const string Placeholder = "{{assets}}";

    private static readonly Lazy<WebAssets> s_embedded = new(() => FromAssembly(typeof(WebAssets).Assembly));

    private readonly Dictionary<string, WebAsset> _files;

    private WebAssets(string buildHash, Dictionary<string, WebAsset> files)
    {
        BuildHash = buildHash;
        _files = files;
    }

    /// <summary>The files this binary carries (built on first use).</summary>
    public static WebAssets Embedded => s_embedded.Value;

    /// <summary>The first 10 hex digits of a SHA-256 over every file's name and bytes.</summary>
    public string BuildHash { get; }

    /// <summary>Where the assets are served: <c>/app/&lt;hash&gt;</c>, no trailing slash.</summary>
    public string AssetPrefix => $"/app/{BuildHash}";

    public IReadOnlyCollection<string> Names => _files.Keys;

    public WebAsset? Find(string name) => _files.GetValueOrDefault(name);

    /// <summary>The catalog of some files (name, bytes): the embedded ones, or a test's.</summary>
    public static WebAssets Create(IEnumerable<(string Name, byte[] Bytes)> files)
    {
        var ordered = files.OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        var buildHash = BuildHashOf(ordered);
        var prefix = $"/app/{buildHash}";
        var catalog = new Dictionary<string, WebAsset>(StringComparer.Ordinal);
        foreach (var (name, bytes) in ordered)
        {
            var served = name == IndexName ? Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace(Placeholder, prefix, StringComparison.Ordinal)) : bytes;
            catalog[name] = WebAsset.Create(name, served);
        }

        return new WebAssets(buildHash, catalog);
    }

    private static WebAssets FromAssembly(Assembly assembly)
    {
        var files = new List<(string, byte[])>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"The embedded resource {resource} is listed but cannot be opened.");
            using var bytes = new MemoryStream();
            stream.CopyTo(bytes);
            files.Add((resource[ResourcePrefix.Length..], bytes.ToArray()));
        }

        return Create(files);
    }

    private static string BuildHashOf(List<(string Name, byte[] Bytes)> ordered)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[8];
        foreach (var (name, bytes) in ordered)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(name));
            hash.AppendData([0]);
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(length, bytes.Length);
            hash.AppendData(length); // so "a" + "bc" and "ab" + "c" differ
            hash.AppendData(bytes);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..10];
    }
}
