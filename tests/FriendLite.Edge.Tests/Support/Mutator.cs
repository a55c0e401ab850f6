using System.Text;

namespace FriendLite.Edge.Tests.Support;

/// <summary>
/// Seeded, reproducible mutations of well-formed inputs: each case is a seed, so a failure names
/// the seed that reproduces it. The mutations are the ones parsers get wrong: stray CR/LF/NUL,
/// control and high bytes, cut-offs, duplicated and swapped lines, huge numbers, long runs.
/// </summary>
internal static class Mutator
{
    /// <summary>The base seed: <c>FRIENDLITE_FUZZ_SEED</c>, else 1 (CI's setting).</summary>
    public static int BaseSeed => int.TryParse(Environment.GetEnvironmentVariable("FRIENDLITE_FUZZ_SEED"), out var seed) ? seed : 1;

    /// <summary>How many cases a fuzz test runs: <c>FRIENDLITE_FUZZ_CASES</c> (a longer campaign by hand), else <paramref name="ci"/>.</summary>
    public static int Cases(int ci) => int.TryParse(Environment.GetEnvironmentVariable("FRIENDLITE_FUZZ_CASES"), out var cases) ? cases : ci;

    /// <summary>
    /// Runs <see cref="Cases"/>(<paramref name="ci"/>) cases, <paramref name="parallel"/> at a time, each
    /// given its seed and <paramref name="timeout"/>; returns the failures, each naming its seed.
    /// </summary>
    public static async Task<List<string>> RunAsync(int ci, int parallel, TimeSpan timeout, Func<int, Task> oneCase)
    {
        var cases = Cases(ci);
        var next = -1;
        var failures = new List<string>();
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < cases)
            {
                var seed = BaseSeed + i;
                try
                {
                    await oneCase(seed).WaitAsync(timeout);
                }
                catch (Exception ex)
                {
                    lock (failures)
                    {
                        failures.Add($"seed {seed}: {ex.GetType().Name}: {ex.Message}");
                    }
                }
            }
        })));
        return failures;
    }

    private static readonly byte[][] s_interesting =
    [
        "\r"u8.ToArray(), "\n"u8.ToArray(), "\r\n"u8.ToArray(), "\0"u8.ToArray(), " "u8.ToArray(), "\t"u8.ToArray(), ":"u8.ToArray(), ";"u8.ToArray(),
        [0x7F], [0xFF], [0xC3, 0x28], "%00"u8.ToArray(), "chunked"u8.ToArray(), "Content-Length: 5\r\n"u8.ToArray(), "Transfer-Encoding: chunked\r\n"u8.ToArray(),
        "-1"u8.ToArray(), "99999999999999999999"u8.ToArray(), "1000000000000"u8.ToArray(), "ffffffffffffffff"u8.ToArray(), "0\r\n\r\n"u8.ToArray(),
        "Host: a\r\n"u8.ToArray(), "Connection: close\r\n"u8.ToArray(), "Upgrade: websocket\r\nConnection: Upgrade\r\n"u8.ToArray(),
        "{"u8.ToArray(), "}"u8.ToArray(), "\""u8.ToArray(), "null"u8.ToArray(), "[]"u8.ToArray(), "1e308"u8.ToArray(),
    ];

    public static byte[] Mutate(byte[] input, Random random)
    {
        var bytes = new List<byte>(input);
        var mutations = random.Next(1, 5);
        for (var m = 0; m < mutations; m++)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(9))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes.InsertRange(at, s_interesting[random.Next(s_interesting.Length)]);
                    break;
                case 2 when bytes.Count > 0:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 16), bytes.Count - at));
                    break;
                case 3:
                    bytes.RemoveRange(at, bytes.Count - at); // cut off
                    break;
                case 4:
                    bytes.InsertRange(at, Enumerable.Repeat((byte)"aA0 :\r\n/%"[random.Next(9)], random.Next(1, 1 << random.Next(4, 16))));
                    break;
                case 5:
                    DuplicateLine(bytes, random);
                    break;
                case 6 when bytes.Count > 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 7:
                    ReplaceNumber(bytes, random);
                    break;
                default:
                    SwapLines(bytes, random);
                    break;
            }
        }

        return [.. bytes];
    }

    private static void DuplicateLine(List<byte> bytes, Random random)
    {
        var lines = Lines(bytes);
        if (lines.Count > 0)
        {
            var (start, length) = lines[random.Next(lines.Count)];
            bytes.InsertRange(start, bytes.GetRange(start, length));
        }
    }

    private static void SwapLines(List<byte> bytes, Random random)
    {
        var lines = Lines(bytes);
        if (lines.Count > 1)
        {
            var i = random.Next(lines.Count - 1);
            var (a, aLength) = lines[i];
            var (b, bLength) = lines[i + 1];
            var first = bytes.GetRange(a, aLength);
            var second = bytes.GetRange(b, bLength);
            bytes.RemoveRange(a, aLength + bLength);
            bytes.InsertRange(a, [.. second, .. first]);
        }
    }

    private static void ReplaceNumber(List<byte> bytes, Random random)
    {
        var digits = Enumerable.Range(0, bytes.Count).Where(i => bytes[i] is >= (byte)'0' and <= (byte)'9').ToList();
        if (digits.Count == 0)
        {
            return;
        }

        var start = digits[random.Next(digits.Count)];
        var end = start;
        while (end < bytes.Count && bytes[end] is >= (byte)'0' and <= (byte)'9')
        {
            end++;
        }

        string[] replacements = ["0", "-1", "4294967296", "9223372036854775808", "1000000000000", "00000000000000000001", "2147483647"];
        bytes.RemoveRange(start, end - start);
        bytes.InsertRange(start, Encoding.ASCII.GetBytes(replacements[random.Next(replacements.Length)]));
    }

    /// <summary>Each line (with its terminator) as a start and a length.</summary>
    private static List<(int Start, int Length)> Lines(List<byte> bytes)
    {
        var lines = new List<(int, int)>();
        var start = 0;
        for (var i = 0; i < bytes.Count; i++)
        {
            if (bytes[i] == '\n')
            {
                lines.Add((start, i + 1 - start));
                start = i + 1;
            }
        }

        return lines;
    }
}
