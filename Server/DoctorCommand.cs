using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using FriendLite.Edge.Cli;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Server;

/// <summary>
/// <c>doctor</c>: checks what <c>serve</c> with the same options would meet — the data directory,
/// the database, the model files, the CPU, the port, the ASR and LLM servers, the clock — one line
/// each, <c>ok</c>, <c>FAIL</c> with what to do, or <c>skip</c> with why. Exit 1 when one fails.
/// It changes nothing: the database is opened read-only and never migrated.
/// </summary>
internal sealed class DoctorCommand(TextWriter output, TimeProvider time)
{
    private static readonly TimeSpan s_asrTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan s_llmTimeout = TimeSpan.FromSeconds(5);

    /// <summary>What doctor checks, as serve's options give it.</summary>
    internal sealed record Settings(string DataDirectory, string Host, int Port, MinFreeDisk MinFreeDisk, string? Model, string? VadModel, Uri? Asr, string? LlmUrl, bool Offline)
    {
        /// <summary>The Wyoming speech-to-text server's address (<c>--wyoming-listen</c>); null for none.</summary>
        public ListenAddress? Wyoming { get; init; }
    }

    /// <summary>The command; every finding is a line of the report, on <paramref name="output"/>.</summary>
    public static Command Create(TextWriter output)
    {
        var dataDir = CliOptions.DataDirectory();
        var host = CliOptions.Host();
        var port = CliOptions.Port(8000);
        var model = TranscribeCommand.ModelOption();
        var vadModel = ServeCommand.VadModelOption();
        var asr = ServeCommand.AsrOption();
        var llmUrl = MemoryOptions.UrlOption();
        var offline = ServeCommand.OfflineOption();
        var minFreeDisk = ServeCommand.MinFreeDiskOption();
        var wyoming = ServeCommand.WyomingListenOption();
        var command = new Command("doctor",
            "Check what serve with the same options would meet: data directory, database, model files, CPU, port, ASR and LLM servers, clock. Exit 1 when a check fails.")
        {
            dataDir, host, port, model, vadModel, asr, llmUrl, offline, minFreeDisk, wyoming,
        };
        var doctor = new DoctorCommand(output, TimeProvider.System);
        command.SetAction((parse, ct) => doctor.RunAsync(
            new Settings(Path.GetFullPath(parse.GetValue(dataDir)!), parse.GetValue(host)!, parse.GetValue(port), parse.GetValue(minFreeDisk)!,
                NonEmpty(parse.GetValue(model)), NonEmpty(parse.GetValue(vadModel)), parse.GetValue(asr), NonEmpty(parse.GetValue(llmUrl)), parse.GetValue(offline))
            {
                Wyoming = parse.GetValue(wyoming),
            },
            ct));
        return command;
    }

    public async Task<int> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        var failed = false;
        async Task Report(DoctorResult result)
        {
            failed |= result.Failed;
            await output.WriteLineAsync(result.ToString());
        }

        await Report(DoctorChecks.DataDirectory(settings.DataDirectory, settings.MinFreeDisk));
        await Report(DoctorChecks.DatabaseFile(settings.DataDirectory));
        if (settings.Model is { } model)
        {
            await Report(await DoctorChecks.ModelAsync(Path.GetFullPath(model), cancellationToken));
        }

        if (settings.VadModel is { } vad)
        {
            await Report(DoctorChecks.VadModel(Path.GetFullPath(vad)));
        }

        await Report(DoctorChecks.Cpu(settings.Asr is not null));
        await Report(DoctorChecks.Port(settings.Host, settings.Port, settings.DataDirectory));
        if (settings.Wyoming is { } wyoming)
        {
            await Report(DoctorChecks.Port(wyoming.Host, wyoming.Port, settings.DataDirectory, "wyoming port", "--wyoming-listen"));
        }

        if (settings.Asr is { } asr)
        {
            await Report(settings.Offline ? DoctorResult.Skip("asr", "--offline makes no outbound connection") : await AsrAsync(asr, cancellationToken));
        }

        if (settings.LlmUrl is { } llm)
        {
            await Report(settings.Offline ? DoctorResult.Skip("llm", "--offline makes no outbound connection") : await LlmAsync(llm, cancellationToken));
        }

        await Report(DoctorChecks.Clock(time));
        return failed ? 1 : 0;
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    /// <summary>Whether the Wyoming server accepts a TCP connection within <see cref="s_asrTimeout"/>.</summary>
    private static async Task<DoctorResult> AsrAsync(Uri asr, CancellationToken cancellationToken)
    {
        var where = $"wyoming://{asr.Host}:{asr.Port.ToString(CultureInfo.InvariantCulture)}";
        const string todo = "start the Wyoming ASR server, or correct --asr";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_asrTimeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(asr.Host, asr.Port, timeout.Token);
            return DoctorResult.Ok("asr", $"{where} accepts connections");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return DoctorResult.Fail("asr", $"{where} did not answer within {s_asrTimeout.TotalSeconds:0} s", todo);
        }
        catch (SocketException ex)
        {
            return DoctorResult.Fail("asr", $"{where} cannot be reached: {Reasons.Of(ex.SocketErrorCode)}", todo);
        }
    }

    /// <summary>Whether the LLM server answers HTTP at all (any status: the address is right) within <see cref="s_llmTimeout"/>.</summary>
    private static async Task<DoctorResult> LlmAsync(string url, CancellationToken cancellationToken)
    {
        const string todo = "start the LLM server, or correct --llm-url (without it the local extractor makes memories)";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_llmTimeout);
        try
        {
            using var client = new HttpClient();
            using var response = await client.GetAsync(new Uri(url), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return DoctorResult.Ok("llm", $"{url} answers (HTTP {((int)response.StatusCode).ToString(CultureInfo.InvariantCulture)})");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return DoctorResult.Fail("llm", $"{url} did not answer within {s_llmTimeout.TotalSeconds:0} s", todo);
        }
        catch (HttpRequestException ex)
        {
            return DoctorResult.Fail("llm", $"{url} cannot be reached: {Reasons.Of(ex)}", todo);
        }
    }
}
