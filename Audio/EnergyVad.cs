namespace FriendLite.Edge.Audio;

/// <summary>A stretch of speech, in samples of the 16 kHz stream it came from.</summary>
internal readonly record struct SpeechSegment(long StartSample, long EndSample)
{
    public double Start => StartSample / 16000.0;

    public double End => EndSample / 16000.0;

    public double Seconds => (EndSample - StartSample) / 16000.0;
}

/// <summary>How speech is cut into segments (the defaults keep sentence pauses inside one segment).</summary>
internal sealed record VadSettings
{
    /// <summary>A segment ends after this much silence.</summary>
    public TimeSpan MinSilence { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Shorter bursts (a cough, a click) are not speech.</summary>
    public TimeSpan MinSpeech { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Added before and after each segment so word edges are not clipped.</summary>
    public TimeSpan Padding { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longer speech is cut here (Whisper's window is 30 s).</summary>
    public TimeSpan MaxSegment { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>A frame is speech when this many dB above the noise floor …</summary>
    public double MarginDb { get; init; } = 12;

    /// <summary>… and louder than this absolute level (dBFS), so near-digital silence is never speech.</summary>
    public double MinimumDb { get; init; } = -55;
}

/// <summary>
/// Streaming voice activity detection for one stream: feed samples, get finished speech segments
/// (in samples of the stream, padded); <see cref="InSpeech"/> while a segment is open. Not thread-safe.
/// </summary>
internal interface ISpeechDetector
{
    bool InSpeech { get; }

    void Process(ReadOnlySpan<short> samples, List<SpeechSegment> completed);

    /// <summary>The end of the stream: the open segment, if any, is completed.</summary>
    void Flush(List<SpeechSegment> completed);
}

/// <summary>
/// Energy-based voice activity detection, streaming: 30 ms frames, a noise floor that follows the
/// quietest tenth of the last 5 s, a margin above it, a hangover of <see cref="VadSettings.MinSilence"/>
/// and padding. Cheap enough for every device all the time; Silero (through Whisper.net) is the
/// accurate alternative when a VAD model is configured. One per stream; not thread-safe.
/// The floor is learned from the stream itself from its first frame on, so steady noise (a hum,
/// the fixtures' pink noise) is never speech; the price is that a stream that starts in the
/// middle of a word is heard as speech only from its first quieter moment (within a second).
/// </summary>
internal sealed class EnergyVad(VadSettings settings) : ISpeechDetector
{
    private const int FrameSamples = 480;
    private const int HistoryFrames = 166; // ~5 s
    private readonly double[] _history = new double[HistoryFrames];
    private readonly double[] _sorted = new double[HistoryFrames];
    private readonly short[] _partial = new short[FrameSamples];
    private int _partialCount;
    private int _historyCount;
    private int _historyNext;
    private int _framesSinceFloor;
    private double _floor = double.NaN;
    private long _position;
    private long? _speechStart;
    private long _lastSpeechEnd;

    private long MinSilence => Samples(settings.MinSilence);

    /// <summary>True while the last frame belonged to speech (or its hangover).</summary>
    public bool InSpeech => _speechStart is not null;

    /// <summary>Feeds samples; completed segments are added to <paramref name="completed"/>.</summary>
    public void Process(ReadOnlySpan<short> samples, List<SpeechSegment> completed)
    {
        while (!samples.IsEmpty)
        {
            var take = Math.Min(FrameSamples - _partialCount, samples.Length);
            samples[..take].CopyTo(_partial.AsSpan(_partialCount));
            _partialCount += take;
            samples = samples[take..];
            if (_partialCount == FrameSamples)
            {
                Frame(_partial, completed);
                _partialCount = 0;
            }
        }
    }

    /// <summary>The end of the stream: the open segment, if any, is completed.</summary>
    public void Flush(List<SpeechSegment> completed)
    {
        if (_speechStart is { } start)
        {
            Emit(start, _lastSpeechEnd, completed, endOfStream: _position + _partialCount);
            _speechStart = null;
        }
    }

    /// <summary>Every speech segment of a whole recording.</summary>
    public static List<SpeechSegment> Detect(ReadOnlySpan<short> samples, VadSettings? settings = null)
    {
        var vad = new EnergyVad(settings ?? new VadSettings());
        var segments = new List<SpeechSegment>();
        vad.Process(samples, segments);
        vad.Flush(segments);
        return segments;
    }

    private void Frame(ReadOnlySpan<short> frame, List<SpeechSegment> completed)
    {
        double energy = 0;
        foreach (var s in frame)
        {
            energy += (double)s * s;
        }

        var db = 10 * Math.Log10((energy / frame.Length / (32768.0 * 32768.0)) + 1e-12);
        Remember(db);
        var start = _position;
        _position += frame.Length;
        var speech = db > Math.Max(_floor + settings.MarginDb, settings.MinimumDb);
        if (speech)
        {
            _speechStart ??= start;
            _lastSpeechEnd = _position;
            if (_lastSpeechEnd - _speechStart.Value >= Samples(settings.MaxSegment))
            {
                Emit(_speechStart.Value, _lastSpeechEnd, completed, endOfStream: null);
                _speechStart = _position;
            }
        }
        else if (_speechStart is { } open && _position - _lastSpeechEnd >= MinSilence)
        {
            Emit(open, _lastSpeechEnd, completed, endOfStream: null);
            _speechStart = null;
        }
    }

    private void Emit(long start, long end, List<SpeechSegment> completed, long? endOfStream)
    {
        if (end - start < Samples(settings.MinSpeech))
        {
            return;
        }

        var padding = Samples(settings.Padding);
        var paddedEnd = end + padding;
        completed.Add(new SpeechSegment(Math.Max(0, start - padding), endOfStream is { } limit ? Math.Min(paddedEnd, limit) : paddedEnd));
    }

    /// <summary>Keeps the last 5 s of frame levels; the floor is their 10th percentile, refreshed every 8 frames.</summary>
    private void Remember(double db)
    {
        _history[_historyNext] = db;
        _historyNext = (_historyNext + 1) % HistoryFrames;
        _historyCount = Math.Min(_historyCount + 1, HistoryFrames);
        if (double.IsNaN(_floor) || ++_framesSinceFloor >= 8)
        {
            _framesSinceFloor = 0;
            var sorted = _sorted.AsSpan(0, _historyCount);
            _history.AsSpan(0, _historyCount).CopyTo(sorted);
            sorted.Sort();
            _floor = sorted[sorted.Length / 10];
        }
    }

    private static long Samples(TimeSpan time) => (long)(time.TotalSeconds * 16000);
}
