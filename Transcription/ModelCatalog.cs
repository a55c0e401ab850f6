namespace FriendLite.Edge.Transcription;

/// <summary>A standard ggml Whisper model: its file, approximate size and the checksums published for it.</summary>
internal sealed record CatalogModel(string Name, string File, long ApproximateBytes, string? Sha1, string? Sha256, long? ExactBytes = null);

/// <summary>
/// The standard models of whisper.cpp's model repository on Hugging Face (ggerganov/whisper.cpp,
/// <c>resolve/main/&lt;file&gt;</c>). Sizes and SHA-1 sums are those whisper.cpp publishes in its models
/// README; SHA-256 is known here for ggml-tiny.en-q5_1 only. Facts only: nothing is downloaded.
/// </summary>
internal static class ModelCatalog
{
    public const string BaseUrl = "https://huggingface.co/ggerganov/whisper.cpp/resolve/main/";
    private const long MiB = 1024 * 1024;

    public static IReadOnlyList<CatalogModel> Models { get; } =
    [
        new("tiny", "ggml-tiny.bin", 75 * MiB, "bd577a113a864445d4c299885e0cb97d4ba92b5f", null),
        new("tiny.en", "ggml-tiny.en.bin", 75 * MiB, "c78c86eb1a8faa21b369bcd33207cc90d64ae9df", null),
        new("tiny.en-q5_1", "ggml-tiny.en-q5_1.bin", 31 * MiB, null, "c77c5766f1cef09b6b7d47f21b546cbddd4157886b3b5d6d4f709e91e66c7c2b", 32_166_155),
        new("base", "ggml-base.bin", 142 * MiB, "465707469ff3a37a2b9b8d8f89f2f99de7299dac", null),
        new("base.en", "ggml-base.en.bin", 142 * MiB, "137c40403d78fd54d454da0f9bd998f78703390c", null),
        new("small", "ggml-small.bin", 466 * MiB, "55356645c2b361a969dfd0ef2c5a50d530afd8d5", null),
        new("small.en", "ggml-small.en.bin", 466 * MiB, "db8a495a91d927739e50b3fc1cc4c6b8f6c2d022", null),
        new("medium", "ggml-medium.bin", 1536 * MiB, "fd9727b6e1217c2f614f9b698455c4ffd82463b4", null),
        new("medium.en", "ggml-medium.en.bin", 1536 * MiB, "8c30f0e44ce9560643ebd10bbe50cd20eafd3723", null),
    ];

    public static CatalogModel? ByFile(string fileName) =>
        Models.FirstOrDefault(m => string.Equals(m.File, fileName, StringComparison.OrdinalIgnoreCase));
}
