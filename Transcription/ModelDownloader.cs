using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace FriendLite.Edge.Transcription;

/// <summary>
/// Downloads a model into the models folder: into <c>FILE.part</c> first, resuming a partial one
/// with an HTTP range request, then checks the checksum and the ggml structure and only then
/// renames it into place, so a model file in the folder is always a whole one.
/// </summary>
internal sealed class ModelDownloader(HttpClient http, TextWriter progress)
{
    public async Task<string> DownloadAsync(Uri source, string target, string? expectedSha256, string? expectedSha1, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var part = target + ".part";
        var have = File.Exists(part) ? new FileInfo(part).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, source);
        if (have > 0)
        {
            request.Headers.Range = new RangeHeaderValue(have, null);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            have = 0; // the partial file is not a prefix of this one: start again
            File.Delete(part);
            return await DownloadAsync(source, target, expectedSha256, expectedSha1, cancellationToken);
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{source} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        var resuming = response.StatusCode == HttpStatusCode.PartialContent;
        if (!resuming)
        {
            have = 0;
        }

        var total = have + (response.Content.Headers.ContentLength ?? -1);
        await using (var file = new FileStream(part, resuming ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true))
        await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken))
        {
            var buffer = new byte[1 << 16];
            var clock = Stopwatch.StartNew();
            var lastReport = TimeSpan.Zero;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                have += read;
                if (clock.Elapsed - lastReport >= TimeSpan.FromMilliseconds(500))
                {
                    lastReport = clock.Elapsed;
                    await Report(have, total);
                }
            }
        }

        await Report(have, total);
        await progress.WriteLineAsync();
        try
        {
            await VerifyAsync(part, expectedSha256, expectedSha1, cancellationToken);
            ModelFile.Inspect(part);
        }
        catch (InvalidDataException)
        {
            File.Delete(part); // a wrong partial file must not be resumed next time
            throw;
        }

        File.Move(part, target, overwrite: true);
        return target;
    }

    private async Task Report(long have, long total)
    {
        var mb = have / 1e6;
        await progress.WriteAsync(total > 0
            ? string.Create(CultureInfo.InvariantCulture, $"\r{mb:0.0} of {total / 1e6:0.0} MB ({100.0 * have / total:0}%)")
            : string.Create(CultureInfo.InvariantCulture, $"\r{mb:0.0} MB"));
    }

    /// <summary>Compares the file's SHA-256 (or, where only that is published, SHA-1); throws with one sentence on a mismatch.</summary>
    public static async Task VerifyAsync(string path, string? expectedSha256, string? expectedSha1, CancellationToken cancellationToken)
    {
        if (expectedSha256 is null && expectedSha1 is null)
        {
            return;
        }

        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
#pragma warning disable CA5350 // SHA-1 is what whisper.cpp publishes for most files: an integrity check, not security.
        var (algorithm, expected, actual) = expectedSha256 is not null
            ? ("sha256", expectedSha256, Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken)))
            : ("sha1", expectedSha1!, Convert.ToHexStringLower(await SHA1.HashDataAsync(stream, cancellationToken)));
#pragma warning restore CA5350
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"{path} has {algorithm} {actual}, not the expected {expected}: download it again.");
        }
    }
}
