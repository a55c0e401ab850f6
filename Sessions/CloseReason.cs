namespace FriendLite.Edge.Sessions;

/// <summary>What a WebSocket close frame can carry as its reason.</summary>
internal static class CloseReason
{
    /// <summary>
    /// A close frame's reason is at most 123 UTF-8 bytes (RFC 6455, 5.5.1); a longer one makes the
    /// send throw. Cut on a character boundary, with an ellipsis saying so.
    /// </summary>
    public static string Fit(string reason)
    {
        const int limit = 123;
        if (System.Text.Encoding.UTF8.GetByteCount(reason) <= limit)
        {
            return reason;
        }

        var cut = new System.Text.StringBuilder();
        var bytes = 3; // the ellipsis
        foreach (var rune in reason.EnumerateRunes())
        {
            bytes += rune.Utf8SequenceLength;
            if (bytes > limit)
            {
                break;
            }

            cut.Append(rune.ToString());
        }

        return cut.Append('…').ToString();
    }
}
