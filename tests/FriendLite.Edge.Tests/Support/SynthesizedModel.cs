using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Tests.Support;

/// <summary>One real-size synthesized tiny model for the tests of a class (77.7 MB, written once).</summary>
public sealed class SynthesizedModel : IDisposable
{
    private readonly TempDirectory _directory = new();

    public SynthesizedModel()
    {
        Path = System.IO.Path.Combine(_directory.Path, "synth-tiny.bin");
        ModelSynthesizer.Write(Path, "tiny");
    }

    public string Path { get; }

    public void Dispose() => _directory.Dispose();
}
