using System.Globalization;
using FriendLite.Edge.Memory;

namespace FriendLite.Edge.Tests.Memory;

/// <summary>Conversations for the offline extractor's tests: lines as Whisper gives them, a fixed start in Berlin.</summary>
internal static class ExtractorText
{
    public static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    /// <summary>Wednesday 2 December 2026, 09:15 in Berlin (+01:00): the "now" of the table.</summary>
    public const string Wednesday = "2026-12-02T09:15:00+01:00";

    public static ConversationText Conversation(string start, params string[] lines) =>
        new("c1", "u1", DateTimeOffset.Parse(start, CultureInfo.InvariantCulture), Berlin,
            lines.Select((text, i) => new TranscriptLine(100 + i, null, text, i * 5.0, i * 5.0 + 4.0)).ToList());

    public static Extraction Extract(string start, params string[] lines) => LocalExtractor.Extract(Conversation(start, lines));

    public static DateTimeOffset? Moment(string? iso) => iso is null ? null : DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture);

    /// <summary>A moment with its offset, so "10:00+01:00" and "09:00+00:00" (the same instant) are told apart.</summary>
    public static string? Show(DateTimeOffset? moment) => moment?.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
}
