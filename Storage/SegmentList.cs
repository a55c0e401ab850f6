using System.Globalization;

namespace FriendLite.Edge.Storage;

/// <summary>The transcript segment ids a memory or action item came from, stored as a JSON array of numbers.</summary>
internal static class SegmentList
{
    public static string Write(IReadOnlyList<long> segments) =>
        "[" + string.Join(",", segments.Select(s => s.ToString(CultureInfo.InvariantCulture))) + "]";

    /// <summary>Reads what <see cref="Write"/> wrote; anything else (a hand-edited row) reads as no segments.</summary>
    public static IReadOnlyList<long> Read(string text)
    {
        var inner = text.Trim().TrimStart('[').TrimEnd(']');
        var segments = new List<long>();
        foreach (var part in inner.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (long.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id))
            {
                segments.Add(id);
            }
        }

        return segments;
    }
}
