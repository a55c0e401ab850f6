using System.Globalization;

namespace FriendLite.Edge.Tests.Support;

/// <summary>A <c>/metrics</c> answer read as Prometheus would: each sample (name and labels, as written) and its value.</summary>
internal static class MetricsScrape
{
    public static async Task<Dictionary<string, double>> ReadAsync(HttpClient client)
    {
        var text = await client.GetStringAsync("/metrics");
        return Parse(text);
    }

    public static Dictionary<string, double> Parse(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith('#'))
            .Select(l => (Key: l[..l.LastIndexOf(' ')], Value: double.Parse(l[(l.LastIndexOf(' ') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture)))
            .ToDictionary(s => s.Key, s => s.Value);
}
