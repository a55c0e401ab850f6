namespace FriendLite.Edge.Audio;

/// <summary>16-bit samples and Whisper's floats in [-1, 1], one way to convert each direction.</summary>
internal static class SampleConversion
{
    public static float[] ToFloat(ReadOnlySpan<short> samples)
    {
        var floats = new float[samples.Length];
        ToFloat(samples, floats);
        return floats;
    }

    public static void ToFloat(ReadOnlySpan<short> samples, Span<float> destination)
    {
        for (var i = 0; i < samples.Length; i++)
        {
            destination[i] = samples[i] / 32768f;
        }
    }

    public static short ToInt16(float sample) => (short)Math.Clamp(MathF.Round(sample * 32767f), short.MinValue, short.MaxValue);
}
