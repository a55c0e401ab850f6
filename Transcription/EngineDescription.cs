using Whisper.net;

namespace FriendLite.Edge.Transcription;

/// <summary>
/// What the loaded engine can do, in the words a speech-to-text client asks for (Wyoming's
/// <c>info</c>): the model's name, whether it is loaded, a description, and the languages it
/// transcribes (<c>en</c> for an English-only model, whisper's list for a multilingual one).
/// </summary>
internal sealed record EngineDescription(string Model, bool Installed, string Description, IReadOnlyList<string> Languages)
{
    /// <summary>The vocabulary of English-only Whisper models (<c>*.en</c>); multilingual ones have more tokens.</summary>
    private const int EnglishOnlyVocabulary = 51864;

    /// <summary>The language a request that names none is transcribed in (the engines' own default).</summary>
    public const string DefaultLanguage = "en";

    /// <summary>Multilingual models before large-v3 lack the token of the last language whisper.cpp knows (Cantonese).</summary>
    private const int CantoneseVocabulary = 51866;

    public static EngineDescription Of(ITranscriptionEngine engine) => engine switch
    {
        WhisperEngine whisper => Of(whisper.Model),
        WyomingEngine remote => new(remote.Status["ok: ".Length..], true, $"passed on to the Wyoming server {remote.Status["ok: ".Length..]}", remote.Languages),
        UnloadedEngine => new("none", false, engine.Status, []),
        _ => new(engine.Status, engine.Workers > 0, engine.Status, ["en"]),
    };

    /// <summary>A loaded ggml model: its name without <c>ggml-</c> and <c>.bin</c> (as whisper.cpp names its models), and its languages.</summary>
    public static EngineDescription Of(ModelInfo model)
    {
        var name = Path.GetFileNameWithoutExtension(model.Path);
        if (name.StartsWith("ggml-", StringComparison.Ordinal))
        {
            name = name["ggml-".Length..];
        }

        return new EngineDescription(name, true, $"Whisper {model.Size} ({Path.GetFileName(model.Path)}) run by whisper.cpp", LanguagesOf(model.Vocabulary));
    }

    /// <summary>
    /// The languages a model of this vocabulary transcribes: English only for the <c>.en</c> models,
    /// otherwise every language whisper.cpp knows (asked of the loaded library), sorted.
    /// </summary>
    public static IReadOnlyList<string> LanguagesOf(int vocabulary)
    {
        if (vocabulary <= EnglishOnlyVocabulary)
        {
            return ["en"];
        }

        var known = WhisperFactory.GetSupportedLanguages().Where(code => vocabulary >= CantoneseVocabulary || code != "yue");
        return [.. known.Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// The language a request asked for, as this engine names it (<c>en-US</c> is <c>en</c>; none
    /// asked is English); <see cref="ArgumentException"/> saying what it can do when it cannot.
    /// </summary>
    public string? Resolve(string? requested)
    {
        if (string.IsNullOrWhiteSpace(requested))
        {
            // None asked: whisper's default, English, when the model has it.
            return Languages.Contains(DefaultLanguage, StringComparer.Ordinal) ? DefaultLanguage : null;
        }

        var code = requested.Split('-', '_')[0].ToLowerInvariant();
        if (Languages.Contains(code, StringComparer.Ordinal))
        {
            return code;
        }

        var offered = Languages.Count switch
        {
            0 => "no language (no model is loaded)",
            1 => $"only '{Languages[0]}'",
            _ => $"{Languages.Count} languages, not this one",
        };
        throw new ArgumentException($"the model {Model} cannot transcribe '{requested}': it knows {offered}");
    }
}
