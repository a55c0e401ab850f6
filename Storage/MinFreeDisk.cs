using System.Globalization;
using System.Text.RegularExpressions;

namespace FriendLite.Edge.Storage;

/// <summary>
/// How much of the data directory's file system the server keeps free (<c>--min-free-disk</c>):
/// a size (<c>500M</c>, <c>2G</c>, <c>1.5GiB</c>, plain bytes) or a share of the file system
/// (<c>5%</c>); zero keeps nothing back.
/// </summary>
internal sealed partial record MinFreeDisk(long Bytes, double Percent)
{
    public static MinFreeDisk Default { get; } = new(1L << 30, 0);

    public static MinFreeDisk None { get; } = new(0, 0);

    /// <summary>The floor in bytes on a file system of <paramref name="totalBytes"/>.</summary>
    public long BytesOf(long totalBytes) => Percent > 0 ? (long)(totalBytes * Percent / 100) : Bytes;

    public override string ToString() =>
        Percent > 0 ? $"{Percent.ToString("0.##", CultureInfo.InvariantCulture)}%" : $"{Bytes / (1024 * 1024)} MiB";

    public static MinFreeDisk Parse(string text)
    {
        var match = Pattern().Match(text.Trim());
        if (!match.Success)
        {
            throw new FormatException("is not a size (e.g. 500M, 2G, 5%)");
        }

        var number = double.Parse(match.Groups["number"].Value, CultureInfo.InvariantCulture);
        if (match.Groups["percent"].Success)
        {
            return number <= 50 ? new MinFreeDisk(0, number) : throw new FormatException("is more than 50%");
        }

        var shift = match.Groups["unit"].Value.ToUpperInvariant() switch
        {
            "K" => 10,
            "M" => 20,
            "G" => 30,
            "T" => 40,
            _ => 0,
        };
        var bytes = number * Math.Pow(2, shift);
        return bytes <= Math.Pow(2, 50) ? new MinFreeDisk((long)bytes, 0) : throw new FormatException("is more than 1024T");
    }

    /// <summary>A number, then % or an optional K/M/G/T (powers of 1024) with an optional B or iB.</summary>
    [GeneratedRegex(@"^(?<number>[0-9]+(\.[0-9]+)?) ?((?<percent>%)|(?<unit>[KMGT])?(i?B)?)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
