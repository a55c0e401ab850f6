using System.Globalization;
using System.Text;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Server;

/// <summary>Prometheus' text format (0.0.4): a HELP and TYPE line per metric family, then its samples.</summary>
internal sealed class PrometheusText
{
    private readonly StringBuilder _text = new();

    public void Header(string name, string help, string type) =>
        _text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n').Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    public void Gauge(string name, string help, double value)
    {
        Header(name, help, "gauge");
        Sample(name, value);
    }

    public void Counter(string name, string help, double value)
    {
        Header(name, help, "counter");
        Sample(name, value);
    }

    /// <summary>A histogram: cumulative <c>_bucket{le}</c> samples ending with +Inf, then <c>_sum</c> and <c>_count</c> (the +Inf bucket's, so they agree).</summary>
    public void Histogram(string name, string help, Histogram histogram)
    {
        Header(name, help, "histogram");
        var cumulative = histogram.Cumulative();
        for (var i = 0; i < histogram.Bounds.Count; i++)
        {
            Sample($"{name}_bucket", cumulative[i], ("le", Number(histogram.Bounds[i])));
        }

        Sample($"{name}_bucket", cumulative[^1], ("le", "+Inf"));
        Sample($"{name}_sum", Math.Round(histogram.Sum, 6));
        Sample($"{name}_count", cumulative[^1]);
    }

    public void Sample(string name, double value, params (string Key, string Value)[] labels)
    {
        _text.Append(name);
        if (labels.Length > 0)
        {
            _text.Append('{').AppendJoin(',', labels.Select(l => $"{l.Key}=\"{Escape(l.Value)}\"")).Append('}');
        }

        _text.Append(' ').Append(Number(value)).Append('\n');
    }

    public override string ToString() => _text.ToString();

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
