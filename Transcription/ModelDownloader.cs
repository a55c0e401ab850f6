using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using FriendLite.Edge.Cli;

namespace FriendLite.Edge.Transcription;

/// <summary>
/// Downloads a model into the models folder: into <c>FILE.part</c> first, resuming a partial one
/// with an HTTP range request, then checks the checksum and the ggml structure and only then
/// renames it into place, so a model file in the folder is always a whole one.
/// </summary>
internal sealed class ModelDownloader(HttpClient http, TextWriter error, ProgressMode mode)
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
        var total = response.Content.Headers.ContentLength is { } length ? (resuming ? have : 0) + length : -1;
        if (resuming)
        {
            await error.WriteLineAsync($"resuming {Path.GetFileName(part)} at {Megabytes(have)}{(total > 0 ? $" of {Megabytes(total)}" : "")} MB");
        }
        else if (have > 0)
        {
            await error.WriteLineAsync($"{source.Host} does not resume downloads: downloading {Path.GetFileName(target)} from the start");
            have = 0;
        }

        await ReceiveAsync(response, part, resuming, have, total, Path.GetFileName(target), cancellationToken);
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

    /// <summary>Appends the body to the partial file, with its progress on stderr: bytes done and
    /// the rate of this download (what a resumed file already had came for free).</summary>
    private async Task ReceiveAsync(HttpResponseMessage response, string part, bool resuming, long have, long total, string name, CancellationToken cancellationToken)
    {
        var label = total > 0 ? $"downloading {name} ({Megabytes(total)} MB)..." : $"downloading {name} (size unknown)...";
        using var progress = new ProgressReporter(error, label, mode);
        var resumedAt = have;
        string Rate(long done) => string.Create(CultureInfo.InvariantCulture, $"{(done - resumedAt) / 1e6 / Math.Max(progress.Elapsed.TotalSeconds, 1e-3):0.0} MB/s");
        double? Fraction(long done) => total > 0 ? (double)done / total : null;
        progress.Report(Fraction(have), () => have > 0 ? $"{Megabytes(have)} MB" : null);
        await using (var file = new FileStream(part, resuming ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true))
        await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken))
        {
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                have += read;
                progress.Report(Fraction(have), () => $"{Megabytes(have)} MB at {Rate(have)}");
            }
        }

        progress.Finish(string.Create(CultureInfo.InvariantCulture, $"{Megabytes(have)} MB in {progress.Elapsed.TotalSeconds:0.0} s ({Rate(have)})"));
    }

    private static string Megabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0.0}");

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
