using System.Collections.Concurrent;
using Whisper.net;
using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Native;

namespace FriendLite.Edge.Transcription;

/// <summary>
/// The Silero VAD model (<c>--vad-model</c>), loaded once per process through Whisper.net.
/// Ownership: the server owns it and disposes it after every session has ended. Detection resets
/// its state on every call, so sessions share a small pool of processors (one per concurrent
/// caller, at most a few on a small machine) instead of holding one each.
/// </summary>
internal sealed class SileroVadModel : IDisposable
{
    private readonly WhisperVadFactory _factory;
    private readonly ConcurrentBag<WhisperVadProcessor> _idle = [];
    private readonly VadSettings _settings;
    private int _disposed;

    private SileroVadModel(WhisperVadFactory factory, string path, VadSettings settings)
    {
        _factory = factory;
        _settings = settings;
        Path = path;
    }

    public string Path { get; }

    /// <summary>That <paramref name="path"/> is a readable ggml file (before native code sees it), or throws <see cref="InvalidDataException"/> with one sentence.</summary>
    public static void CheckFile(string path)
    {
        if (Directory.Exists(path))
        {
            throw new InvalidDataException($"The VAD model {path} is a directory, not a model file.");
        }

        if (!File.Exists(path))
        {
            throw new InvalidDataException($"The VAD model {path} does not exist (a Silero ggml model such as ggml-silero-v6.2.0.bin).");
        }

        Span<byte> magic = stackalloc byte[4];
        FileStream opened;
        try
        {
            opened = File.OpenRead(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"The VAD model {path} cannot be read ({Reasons.Of(ex)}).", ex);
        }

        using (var file = opened)
        {
            if (file.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4 || BitConverter.ToUInt32(magic) != 0x67676d6c)
            {
                throw new InvalidDataException($"The VAD model {path} is not a ggml file (wrong magic number).");
            }
        }
    }

    /// <summary>Loads and tries the model, or throws <see cref="InvalidDataException"/> with one sentence.</summary>
    public static SileroVadModel Load(string path, VadSettings settings)
    {
        CheckFile(path);
        NativeEnvironment.PreferPassiveOpenMpWaits();
        NativeLibraries.EnsureWhisper();
        WhisperVadFactory factory;
        try
        {
            factory = WhisperVadFactory.FromPath(path);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new InvalidDataException($"Whisper could not load the VAD model {path} ({Reasons.Of(ex)}).", ex);
        }

        var model = new SileroVadModel(factory, path, settings);
        try
        {
            model.Detect(new float[16000]); // a model that loads but cannot run fails here, at start
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            model.Dispose();
            throw new InvalidDataException($"The VAD model {path} does not run ({Reasons.Of(ex)}).", ex);
        }

        return model;
    }

    /// <summary>Speech in <paramref name="samples"/> (16 kHz mono), unpadded, in samples from its start.</summary>
    public List<SpeechSegment> Detect(ReadOnlySpan<float> samples)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var processor = _idle.TryTake(out var pooled) ? pooled : Build();
        try
        {
            var found = processor.DetectSpeech(samples);
            var segments = new List<SpeechSegment>(found.Count);
            foreach (var segment in found)
            {
                segments.Add(new SpeechSegment((long)(segment.Start.TotalSeconds * 16000), (long)(segment.End.TotalSeconds * 16000)));
            }

            return segments;
        }
        finally
        {
            _idle.Add(processor);
        }
    }

    private WhisperVadProcessor Build() =>
        _factory.CreateBuilder()
            .WithThreads(1) // measured: more threads are slower, much slower under load
            .WithMinSilenceDuration(_settings.MinSilence)
            .WithMinSpeechDuration(_settings.MinSpeech)
            .WithMaxSpeechDuration(_settings.MaxSegment)
            .WithSpeechPadding(TimeSpan.Zero) // padded by the caller, like the energy VAD's segments
            .Build();

    /// <summary>Call after every session has ended (no caller is inside <see cref="Detect"/>).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        while (_idle.TryTake(out var processor))
        {
            processor.Dispose();
        }

        _factory.Dispose();
    }
}

/// <summary>
/// Streaming segmentation with Silero for one stream. Silero through Whisper.net takes whole
/// buffers, so the stream is analysed in steps: every ~0.5 s (or a tenth of the buffer, whichever
/// is longer, so a long monologue costs no more than ~3 % of a core) the audio since the last
/// finished segment is analysed again. A segment followed by at least the minimum silence is
/// finished: it is emitted, padded, and the buffer is cut after it. Without speech only the last
/// second is kept, so an onset is never cut. One per stream; not thread-safe.
/// </summary>
internal sealed class SileroVad(SileroVadModel model, VadSettings settings) : ISpeechDetector
{
    private const int Step = 8192; // 16 Silero windows of 512 samples
    private const int Context = 16000;
    private float[] _buffer = new float[4 * Step];
    private int _count;
    private long _bufferStart;
    private int _sinceAnalysis;

    public bool InSpeech { get; private set; }

    private static long Samples(TimeSpan time) => (long)(time.TotalSeconds * 16000);

    public void Process(ReadOnlySpan<short> samples, List<SpeechSegment> completed)
    {
        if (_count + samples.Length > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _count + samples.Length));
        }

        SampleConversion.ToFloat(samples, _buffer.AsSpan(_count));
        _count += samples.Length;
        _sinceAnalysis += samples.Length;
        if (_sinceAnalysis >= Math.Max(Step, _count / 10))
        {
            Analyse(completed, endOfStream: false);
        }
    }

    public void Flush(List<SpeechSegment> completed)
    {
        if (_count > 0)
        {
            Analyse(completed, endOfStream: true);
        }

        InSpeech = false;
    }

    private void Analyse(List<SpeechSegment> completed, bool endOfStream)
    {
        _sinceAnalysis = 0;
        var end = _bufferStart + _count;
        var segments = model.Detect(_buffer.AsSpan(0, _count));
        long keepFrom = Math.Max(_bufferStart, end - Context);
        InSpeech = false;
        for (var i = 0; i < segments.Count; i++)
        {
            var start = _bufferStart + segments[i].StartSample;
            var stop = Math.Min(_bufferStart + segments[i].EndSample, end);
            var last = i == segments.Count - 1;
            if (!endOfStream && last && end - stop < Samples(settings.MinSilence))
            {
                // Still speaking (or not silent for long enough): keep it all for the next analysis.
                InSpeech = true;
                keepFrom = Math.Max(_bufferStart, start - Samples(settings.Padding));
                break;
            }

            var padding = Samples(settings.Padding);
            completed.Add(new SpeechSegment(Math.Max(0, start - padding), Math.Min(stop + padding, end)));
            keepFrom = Math.Max(stop, end - Context);
        }

        Discard(endOfStream ? end : keepFrom);
    }

    private void Discard(long upTo)
    {
        var drop = (int)(upTo - _bufferStart);
        if (drop <= 0)
        {
            return;
        }

        _buffer.AsSpan(drop, _count - drop).CopyTo(_buffer);
        _count -= drop;
        _bufferStart = upTo;
    }
}
