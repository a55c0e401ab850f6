using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Transcription;

/// <summary>What a ggml Whisper model file says about itself.</summary>
internal sealed record ModelInfo(
    string Path,
    long Bytes,
    int Vocabulary,
    int AudioContext,
    int AudioState,
    int AudioLayers,
    int TextContext,
    int TextState,
    int TextLayers,
    int Mels,
    int FileType,
    int Tensors)
{
    /// <summary>The standard size this shape is (tiny, base, small, medium, large), or "custom".</summary>
    public string Size => (AudioLayers, AudioState) switch
    {
        (4, 384) => "tiny",
        (6, 512) => "base",
        (12, 768) => "small",
        (24, 1024) => "medium",
        (32, 1280) => "large",
        _ => "custom",
    };

    public bool HasWeights => Tensors > 0;

    public override string ToString() =>
        $"{Size} ({AudioLayers}+{TextLayers} layers, {AudioState} wide, {Vocabulary} tokens, {(FileType == 0 ? "f32" : FileType == 1 ? "f16" : $"type {FileType}")}, " +
        $"{(HasWeights ? $"{Tensors} tensors" : "no weights: a test model")}, {Bytes / 1e6:0.0} MB)";
}

/// <summary>
/// Reads and checks a ggml Whisper model (the whisper.cpp format Whisper.net loads): magic,
/// hyper-parameters, mel filters, vocabulary and every tensor's header and data length, so a
/// truncated download or a wrong file is named before native code ever sees it.
/// </summary>
internal static class ModelFile
{
    private const uint Magic = 0x67676d6c; // "ggml"

    /// <summary>Inspects <paramref name="path"/>, or throws <see cref="InvalidDataException"/> with one sentence.</summary>
    public static ModelInfo Inspect(string path)
    {
        if (Directory.Exists(path))
        {
            throw new InvalidDataException($"The model file {path} is a directory, not a model file.");
        }

        if (!File.Exists(path))
        {
            throw new InvalidDataException($"The model file {path} does not exist.");
        }

        FileStream opened;
        try
        {
            opened = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"The model file {path} cannot be read ({Reasons.Of(ex)}).", ex);
        }

        using var file = opened;
        using var reader = new BinaryReader(file);
        var length = file.Length; // once: FileStream.Length is an fstat, and there are 50,000 tokens to skip
        try
        {
            if (reader.ReadUInt32() != Magic)
            {
                throw Bad(path, "is not a ggml Whisper model (wrong magic number)");
            }

            Span<int> h = stackalloc int[11];
            for (var i = 0; i < h.Length; i++)
            {
                h[i] = reader.ReadInt32();
            }

            if (h[0] is < 1000 or > 1_000_000 || h[1] is < 1 or > 100_000 || h[2] is < 1 or > 100_000 || h[4] is < 1 or > 1000
                || h[5] is < 1 or > 100_000 || h[6] is < 1 or > 100_000 || h[8] is < 1 or > 1000 || h[9] is not (80 or 128))
            {
                throw Bad(path, "has impossible hyper-parameters");
            }

            var mels = reader.ReadInt32();
            var fft = reader.ReadInt32();
            if (mels != h[9] || fft is < 1 or > 4096)
            {
                throw Bad(path, "has a damaged mel filter bank");
            }

            Skip(file, length, 4L * mels * fft, path, "mel filters");
            var vocabulary = reader.ReadInt32();
            if (vocabulary < 0 || vocabulary > h[0])
            {
                throw Bad(path, "has a damaged vocabulary");
            }

            for (var i = 0; i < vocabulary; i++)
            {
                Skip(file, length, reader.ReadUInt32(), path, "vocabulary");
            }

            var tensors = 0;
            while (file.Position < length)
            {
                ReadTensor(reader, file, length, path);
                tensors++;
            }

            return new ModelInfo(path, length, h[0], h[1], h[2], h[4], h[5], h[6], h[8], h[9], h[10], tensors);
        }
        catch (EndOfStreamException)
        {
            throw Bad(path, "is truncated");
        }
    }

    private static void ReadTensor(BinaryReader reader, FileStream file, long length, string path)
    {
        var dims = reader.ReadInt32();
        var nameLength = reader.ReadInt32();
        var type = reader.ReadInt32();
        if (dims is < 1 or > 4 || nameLength is < 1 or > 256)
        {
            throw Bad(path, "has a damaged tensor header");
        }

        long elements = 1;
        for (var d = 0; d < dims; d++)
        {
            var n = reader.ReadInt32();
            if (n < 1)
            {
                throw Bad(path, "has a damaged tensor shape");
            }

            elements *= n;
        }

        Skip(file, length, nameLength, path, "tensor name");
        Skip(file, length, DataBytes(type, elements, path), path, "tensor data");
    }

    /// <summary>Bytes of a tensor's data: ggml's block sizes for its quantized types.</summary>
    private static long DataBytes(int type, long elements, string path) => type switch
    {
        0 => elements * 4, // f32
        1 => elements * 2, // f16
        2 => elements / 32 * 18, // q4_0
        3 => elements / 32 * 20, // q4_1
        6 => elements / 32 * 22, // q5_0
        7 => elements / 32 * 24, // q5_1
        8 => elements / 32 * 34, // q8_0
        _ => throw Bad(path, $"has a tensor of unsupported type {type}"),
    };

    private static void Skip(FileStream file, long length, long bytes, string path, string what)
    {
        if (bytes < 0 || file.Position + bytes > length)
        {
            throw Bad(path, $"is truncated (in its {what})");
        }

        file.Seek(bytes, SeekOrigin.Current);
    }

    private static InvalidDataException Bad(string path, string problem) => new($"The model file {path} {problem}.");
}
