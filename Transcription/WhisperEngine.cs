using System.Diagnostics;
using Whisper.net;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Native;

namespace FriendLite.Edge.Transcription;

/// <summary>
/// Decoding settings. Production keeps whisper's temperature fallback; benchmarks turn it off.
/// <paramref name="SizedAudioContext"/> shrinks the encoder's 30 s window to the audio given
/// (live speech segments: a 5 s segment costs a fifth of the encoder work); files transcribed
/// offline keep the full window, which is what the model was trained on.
/// </summary>
internal sealed record WhisperSettings(int Threads, string Language = "en", bool TemperatureFallback = true, bool SizedAudioContext = false);

/// <summary>
/// One Whisper model loaded once per process. Ownership: the engine owns the WhisperFactory;
/// each <see cref="WhisperWorker"/> owns one processor. Whisper.net crashes the process if the
/// factory is disposed while a processor is still running, so <see cref="DisposeAsync"/> first
/// waits until every worker has been disposed (which itself waits for the native run to end).
/// </summary>
internal sealed class WhisperEngine : ITranscriptionEngine
{
    private readonly WhisperFactory _factory;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _noWorkers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _workers;
    private bool _disposing;

    private WhisperEngine(WhisperFactory factory, ModelInfo model, WhisperSettings settings, Log log)
    {
        _factory = factory;
        Log = log;
        Model = model;
        Settings = settings;
    }

    public ModelInfo Model { get; }

    public WhisperSettings Settings { get; }

    internal Log Log { get; }

    /// <summary>One worker: it uses every thread, which gives each segment the lowest latency
    /// (two single-thread workers give the same throughput, measured).</summary>
    public int Workers => 1;

    public string Status => $"ok: {Path.GetFileName(Model.Path)}, {Model.Size}";

    /// <summary>Checks and loads a model, or throws <see cref="InvalidDataException"/> with one sentence saying how to fix it.</summary>
    public static WhisperEngine Load(string modelPath, WhisperSettings settings, Log? log = null)
    {
        ModelInfo model;
        try
        {
            model = ModelFile.Inspect(modelPath);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{Reasons.Of(ex)}: get one with 'friendlite-edge model download base.en' (on a machine with a network) and pass it with --model.", ex);
        }

        NativeEnvironment.PreferPassiveOpenMpWaits();
        NativeLibraries.EnsureWhisper();
        WhisperFactory factory;
        try
        {
            // Flash attention: ~20 % less time per segment on the 2-core build machine (measured,
            // full and sized audio contexts alike).
            factory = WhisperFactory.FromPath(modelPath, new WhisperFactoryOptions { UseFlashAttention = true });
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new InvalidDataException($"Whisper could not load {modelPath} ({Reasons.Of(ex)}).", ex);
        }

        return new WhisperEngine(factory, model, settings, log ?? Log.Null);
    }

    /// <summary>A worker with its own processor; dispose it (awaited) before the engine.</summary>
    public ITranscriber CreateWorker()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposing, this);
            _workers++;
        }

        return new WhisperWorker(this);
    }

    /// <summary><see cref="CreateWorker"/>, typed: its requests can report whisper's progress.</summary>
    public WhisperWorker CreateWhisperWorker() => (WhisperWorker)CreateWorker();

    /// <summary>Encoder frames for this much audio: 50 per second plus a margin, in steps of 64
    /// (so similar lengths share a processor), at most the full window; null means the full window.</summary>
    internal int? AudioContextFor(int samples)
    {
        if (!Settings.SizedAudioContext)
        {
            return null;
        }

        var frames = (int)Math.Ceiling(samples / 16000.0 * FramesPerSecond) + ContextMargin;
        var rounded = (frames + 63) / 64 * 64;
        return rounded >= FullContext ? null : rounded;
    }

    private const int FramesPerSecond = 50, ContextMargin = 64, FullContext = 1500;

    internal WhisperProcessor CreateProcessor(int? audioContext, string? language, OnProgressHandler progress)
    {
        var builder = _factory.CreateBuilder()
            .WithLanguage(language ?? Settings.Language)
            .WithThreads(Settings.Threads)
            .WithProgressHandler(progress);
        if (audioContext is { } frames)
        {
            builder = builder.WithAudioContextSize(frames);
        }

        if (!Settings.TemperatureFallback)
        {
            builder = builder.WithTemperatureInc(0);
        }

        return builder.Build();
    }

    internal void WorkerDisposed()
    {
        lock (_gate)
        {
            if (--_workers == 0 && _disposing)
            {
                _noWorkers.TrySetResult();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposing)
            {
                return;
            }

            _disposing = true;
            if (_workers == 0)
            {
                _noWorkers.TrySetResult();
            }
        }

        await _noWorkers.Task;
        _factory.Dispose();
        Log.Debug("transcription", "model released after every processor");
    }
}

/// <summary>
/// One processor, used for one request at a time. A cancelled request leaves whisper_full running
/// until its next abort check; the processor is then disposed (awaited: that is the join point)
/// and a fresh one made for the next request.
/// </summary>
internal sealed class WhisperWorker(WhisperEngine engine) : ITranscriber
{
    private WhisperProcessor? _processor;
    private int? _processorContext;
    private string? _processorLanguage;
    private volatile Action<int>? _progress;
    private bool _disposed;

    public string Engine => "whisper.cpp";

    public string Model => Path.GetFileName(engine.Model.Path);

    public Task<IReadOnlyList<TranscriptSegment>> TranscribeAsync(ReadOnlyMemory<float> samples, CancellationToken cancellationToken) =>
        TranscribeAsync(samples, TranscriptionHints.None, progress: null, cancellationToken);

    public Task<IReadOnlyList<TranscriptSegment>> TranscribeAsync(ReadOnlyMemory<float> samples, Action<int>? progress, CancellationToken cancellationToken) =>
        TranscribeAsync(samples, TranscriptionHints.None, progress, cancellationToken);

    /// <summary>
    /// As <see cref="TranscribeAsync(ReadOnlyMemory{float}, CancellationToken)"/>, in the language of
    /// <paramref name="hints"/> (a processor per language), handing it each segment as whisper
    /// decodes it, and telling <paramref name="progress"/> whisper's percentage done (0 to about 100,
    /// from whisper's own thread) each time it starts a 30 s window and once after the last.
    /// </summary>
    public async Task<IReadOnlyList<TranscriptSegment>> TranscribeAsync(ReadOnlyMemory<float> samples, TranscriptionHints hints, Action<int>? progress, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _progress = progress;
        try
        {
            return await RunAsync(samples, hints, cancellationToken);
        }
        finally
        {
            _progress = null;
        }
    }

    /// <summary>Whisper calls this from native code, where an exception would end the process: a
    /// progress line that cannot be written is not worth a transcript.</summary>
    private void OnProgress(int percent)
    {
        try
        {
            _progress?.Invoke(percent);
        }
        catch (Exception)
        {
            // Any exception, named or not: it must not cross into native code. The line stops; the run goes on.
            _progress = null;
        }
    }

    private async Task<IReadOnlyList<TranscriptSegment>> RunAsync(ReadOnlyMemory<float> samples, TranscriptionHints hints, CancellationToken cancellationToken)
    {
        var context = engine.AudioContextFor(samples.Length);
        if (_processor is not null && (_processorContext != context || _processorLanguage != hints.Language))
        {
            // The context size and language are fixed per processor; a new one costs well under a millisecond.
            var old = _processor;
            _processor = null;
            await old.DisposeAsync();
        }

        if (_processor is null)
        {
            _processor = engine.CreateProcessor(context, hints.Language, OnProgress);
            _processorContext = context;
            _processorLanguage = hints.Language;
        }

        var segments = new List<TranscriptSegment>();
        var seconds = samples.Length / 16000.0;
        try
        {
            await foreach (var segment in _processor.ProcessAsync(samples, cancellationToken))
            {
                // A window without a closing timestamp "ends" at the window's end (30 s): clamp to the audio.
                var end = Math.Min(segment.End.TotalSeconds, seconds);
                var piece = new TranscriptSegment(Math.Min(segment.Start.TotalSeconds, end), end, segment.Text.Trim());
                segments.Add(piece);
                hints.OnSegment?.Invoke(piece);
            }
        }
        catch (OperationCanceledException)
        {
            // The native run may still be going: wait for it here, so the caller's cancellation
            // really means "stopped", then start the next request on a fresh processor.
            var processor = _processor;
            _processor = null;
            var clock = Stopwatch.StartNew();
            await processor.DisposeAsync();
            engine.Log.Debug("transcription", "cancelled run joined: processor disposed", ("join_ms", (long)clock.Elapsed.TotalMilliseconds));
            throw;
        }

        return segments;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (_processor is not null)
            {
                await _processor.DisposeAsync();
            }
        }
        finally
        {
            engine.WorkerDisposed();
        }
    }
}
