using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;

namespace FriendLite.Edge.Transcription;

internal sealed record TranscriptFile(string File, double Seconds, string Engine, string Model, IReadOnlyList<TranscriptSegment> Segments);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(IReadOnlyList<TranscriptFile>))]
internal sealed partial class TranscriptJsonContext : JsonSerializerContext;

/// <summary>Transcripts as plain text, SubRip (.srt) or WebVTT (.vtt).</summary>
internal static class TranscriptFormat
{
    public static string Text(IEnumerable<TranscriptSegment> segments) =>
        string.Join(' ', segments.Select(s => s.Text).Where(t => t.Length > 0));

    public static string Srt(IReadOnlyList<TranscriptSegment> segments)
    {
        var text = new StringBuilder();
        for (var i = 0; i < segments.Count; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{i + 1}\n{Time(segments[i].Start, ',')} --> {Time(segments[i].End, ',')}\n{segments[i].Text}\n\n");
        }

        return text.ToString();
    }

    public static string Vtt(IReadOnlyList<TranscriptSegment> segments)
    {
        var text = new StringBuilder("WEBVTT\n\n");
        foreach (var segment in segments)
        {
            text.Append(CultureInfo.InvariantCulture, $"{Time(segment.Start, '.')} --> {Time(segment.End, '.')}\n{segment.Text}\n\n");
        }

        return text.ToString();
    }

    private static string Time(double seconds, char separator)
    {
        var t = TimeSpan.FromMilliseconds(Math.Round(Math.Max(0, seconds) * 1000));
        return string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}{separator}{t.Milliseconds:000}");
    }
}
