using System.Globalization;

namespace FriendLite.Edge.Http;

/// <summary>
/// Query parameters of the memory and action item routes, checked the way Friend-Lite's FastAPI
/// server checked them: a missing required or out-of-range value is 422, with one sentence naming
/// the parameter and what it takes.
/// </summary>
internal static class QueryParameters
{
    public static int Int(RequestContext context, string name, int fallback, int min, int max)
    {
        var text = context.Request.QueryString[name];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new HttpError(422, $"{name} must be a whole number from {min} to {max}, not '{Shorten(text)}'.");
    }

    public static double Fraction(RequestContext context, string name, double fallback)
    {
        var text = context.Request.QueryString[name];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 1
            ? value
            : throw new HttpError(422, $"{name} must be a number from 0 to 1 (0.5 keeps results that match about half the query), not '{Shorten(text)}'.");
    }

    /// <summary>
    /// Whose data a list or search shows: the signed-in user's, or, for an administrator who names
    /// one with <c>?user_id=</c>, that user's (Friend-Lite's rule; a plain user's <c>user_id</c> is ignored).
    /// </summary>
    public static string TargetUser(RequestContext context)
    {
        var user = context.CurrentUser;
        return user.IsAdmin && context.Request.QueryString["user_id"] is { Length: > 0 } other ? other : user.Id;
    }

    /// <summary>An id from the path as the INTEGER row it names; anything else names no row (404, like a missing one).</summary>
    public static long? RowId(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 ? id : null;

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;
}
