using FriendLite.Edge.Audio;

namespace FriendLite.Edge.HomeAssistant;

/// <summary>
/// One voice command's audio as it arrives: each chunk converted to 16 kHz mono as device audio is
/// (any rate, width and channel count the server takes; a chunk may name its own format), gathered
/// up to the longest command allowed. Throws <see cref="FormatException"/> saying what is wrong
/// with a format or a command too long.
/// </summary>
internal sealed class CommandAudio(int maxSamples) : IDisposable
{
    private PcmConverter? _converter;
    private short[] _samples = new short[16000];

    public int SampleCount { get; private set; }

    public double Seconds => SampleCount / 16000.0;

    /// <summary><c>audio-start</c>: the format of the chunks to follow (a chunk may still name its own).</summary>
    public void Start(AudioFormat? format) =>
        Use(format ?? throw new FormatException("audio-start must give rate, width and channels"));

    /// <summary>One <c>audio-chunk</c>'s payload, in its own format when it names one, else in the started one.</summary>
    public void Add(AudioFormat? format, ReadOnlySpan<byte> payload)
    {
        if (format is not null)
        {
            Use(format);
        }

        var converter = _converter ?? throw new FormatException("an audio-chunk without a format: send audio-start (rate, width, channels) first, or give them in the chunk");
        var converted = converter.Convert(payload);
        if (SampleCount + converted.Length > maxSamples)
        {
            throw new FormatException($"the voice command is longer than {maxSamples / 16000} s; at most that much is transcribed");
        }

        if (SampleCount + converted.Length > _samples.Length)
        {
            Array.Resize(ref _samples, Math.Min(maxSamples, Math.Max(SampleCount + converted.Length, _samples.Length * 2)));
        }

        converted.CopyTo(_samples.AsSpan(SampleCount));
        SampleCount += converted.Length;
    }

    /// <summary>The audio as the engines take it.</summary>
    public float[] ToFloat() => SampleConversion.ToFloat(_samples.AsSpan(0, SampleCount));

    /// <summary>The audio as the server's WAV files hold it.</summary>
    public ReadOnlySpan<short> Samples => _samples.AsSpan(0, SampleCount);

    public void Dispose() => _converter?.Dispose();

    private void Use(AudioFormat format)
    {
        if (_converter?.Format == format)
        {
            return;
        }

        if (format.Problem() is { } problem)
        {
            throw new FormatException(problem);
        }

        _converter?.Dispose();
        _converter = new PcmConverter(format);
    }
}
