using System.CommandLine;
using System.CommandLine.Parsing;
using FriendLite.Edge.Cli;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Memory;

namespace FriendLite.Edge.Server;

/// <summary>
/// <c>serve</c>'s options for memories: the LLM that extracts them when one is reachable
/// (<c>--llm-*</c>; without one, or offline, the local extractor does) and the time zone in which
/// what people say ("on Friday at ten") is read.
/// </summary>
internal sealed class MemoryOptions
{
    private readonly Option<string?> _url = UrlOption();

    private readonly Option<string?> _model = CliOptions.Create<string?>("--llm-model", "The model --llm-url should use (e.g. llama3.1:8b).", "NAME", () => null, text => text);

    private readonly Option<string?> _keyFile = CliOptions.Create<string?>("--llm-api-key-file",
        "A file holding the LLM's API key (first line); FRIENDLITE_LLM_API_KEY or OPENAI_API_KEY may hold the key itself. Ollama needs none.", "FILE", () => null, text => text);

    private readonly Option<TimeSpan> _timeout = CliOptions.Duration("--llm-timeout", "How long one LLM call may take before it is tried again (then the local extractor is used)",
        TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));

    private readonly Option<int> _maxChars = CliOptions.WholeNumber("--llm-max-chars",
        "Transcripts longer than this many characters are sent to the LLM in parts; shorter ones in one call.", 24_000, 1000, 10_000_000);

    private readonly Option<TimeZoneInfo> _zone = CliOptions.Create("--time-zone",
        "The time zone in which dates people say are read (\"on Friday at ten\"), e.g. Europe/Berlin.", "ZONE", () => TimeZoneInfo.Local, ParseZone,
        shown: "the system's");

    /// <summary><c>--llm-url</c>, which doctor takes too.</summary>
    public static Option<string?> UrlOption() => CliOptions.Create<string?>("--llm-url",
        "An OpenAI-compatible chat endpoint (Ollama: http://HOST:11434) that extracts memories, action items and titles; without one (or with --offline) a local extractor does.",
        "URL", () => null, ParseUrl, shown: "none (the local extractor)");

    public IEnumerable<Option> All => [_url, _model, _keyFile, _timeout, _maxChars, _zone];

    /// <summary>Refuses what cannot work together: an LLM offline, a URL without a model, a model without a URL.</summary>
    public void Validate(CommandResult result, bool offline)
    {
        var url = ServeCommand.ParsedOrNull(result, _url);
        var model = ServeCommand.ParsedOrNull(result, _model);
        if (url is not null && offline)
        {
            result.AddError($"--llm-url {url} would connect to another machine, which --offline forbids: drop one of them (offline, the local extractor makes memories).");
        }
        else if (url is not null && string.IsNullOrWhiteSpace(model))
        {
            result.AddError("--llm-url needs --llm-model: name the model it should use (e.g. llama3.1:8b).");
        }
        else if (url is null && !string.IsNullOrWhiteSpace(model))
        {
            result.AddError("--llm-model needs --llm-url: the address of the server that runs it.");
        }
    }

    /// <summary>The LLM's settings (null: the local extractor only). A key file that cannot be read is a <see cref="StartupException"/>.</summary>
    public LlmOptions? ReadLlm(ParseResult parse)
    {
        if (parse.GetValue(_url) is not { } url)
        {
            return null;
        }

        return new LlmOptions(url, parse.GetValue(_model)!)
        {
            ApiKey = ReadKey(parse.GetValue(_keyFile)),
            Timeout = parse.GetValue(_timeout),
            MaxChars = parse.GetValue(_maxChars),
        };
    }

    public TimeZoneInfo ReadZone(ParseResult parse) => parse.GetValue(_zone)!;

    private static string? ReadKey(string? file)
    {
        if (file is null)
        {
            return Environment.GetEnvironmentVariable("FRIENDLITE_LLM_API_KEY") is { Length: > 0 } key ? key
                : Environment.GetEnvironmentVariable("OPENAI_API_KEY") is { Length: > 0 } openAi ? openAi : null;
        }

        try
        {
            var key = File.ReadLines(file).FirstOrDefault()?.Trim();
            return string.IsNullOrEmpty(key) ? throw new StartupException($"The LLM API key file {Path.GetFullPath(file)} is empty: put the key on its first line.") : key;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"Cannot read the LLM API key file {Path.GetFullPath(file)} ({Reasons.Of(ex)}).", ex);
        }
    }

    private static string ParseUrl(string text)
    {
        try
        {
            LlmOptions.ChatEndpoint(text);
            return text.Trim();
        }
        catch (ArgumentException ex)
        {
            throw new FormatException("is not an http:// or https:// address; give the server's base URL, e.g. http://localhost:11434 for Ollama", ex);
        }
    }

    private static TimeZoneInfo ParseZone(string text)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(text.Trim());
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new FormatException("is not a time zone this system knows: use a name from /usr/share/zoneinfo, e.g. Europe/Berlin or America/New_York", ex);
        }
    }
}
