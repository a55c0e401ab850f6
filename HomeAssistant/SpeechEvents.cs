using System.Text.Json;
using FriendLite.Edge.Transcription;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.HomeAssistant;

/// <summary>The events the speech-to-text server sends, framed as the protocol's own library frames them.</summary>
internal static class SpeechEvents
{
    public const string Describe = "describe";
    public const string Transcribe = "transcribe";
    public const string Ping = "ping";

    /// <summary>The services <c>info</c> lists besides speech-to-text (this server offers none of them).</summary>
    private static readonly string[] OtherServices = ["tts", "handle", "intent", "wake", "mic", "snd"];

    /// <summary>
    /// <c>info</c>: one ASR program (this server) with one model (the engine's), its languages, and
    /// whether it streams transcripts (it does: a <c>transcript-chunk</c> per piece whisper decodes).
    /// The other services' lists are present and empty, as the protocol's library writes them.
    /// </summary>
    public static byte[] Info(EngineDescription engine, string version) => WyomingFrame.Build("info", json =>
    {
        json.WriteStartArray("asr"u8);
        json.WriteStartObject();
        json.WriteString("name"u8, "friendlite-edge");
        Attribution(json, "FriendLite.Edge", ""); // no public address to name
        json.WriteBoolean("installed"u8, engine.Installed);
        json.WriteString("description"u8, "FriendLite.Edge speech-to-text: the Whisper model it transcribes its devices with");
        json.WriteString("version"u8, version);
        json.WriteStartArray("models"u8);
        json.WriteStartObject();
        json.WriteString("name"u8, engine.Model);
        Attribution(json, "OpenAI (Whisper), whisper.cpp", "https://github.com/ggml-org/whisper.cpp");
        json.WriteBoolean("installed"u8, engine.Installed);
        json.WriteString("description"u8, engine.Description);
        json.WriteNull("version"u8);
        json.WriteStartArray("languages"u8);
        foreach (var language in engine.Languages)
        {
            json.WriteStringValue(language);
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteBoolean("supports_transcript_streaming"u8, true);
        json.WriteEndObject();
        json.WriteEndArray();
        foreach (var other in OtherServices)
        {
            json.WriteStartArray(other);
            json.WriteEndArray();
        }
    });

    public static byte[] TranscriptStart(string? language) => WyomingFrame.Build("transcript-start", language is null ? null : json => json.WriteString("language"u8, language));

    public static byte[] TranscriptChunk(string text) => WyomingFrame.Build("transcript-chunk", json => json.WriteString("text"u8, text));

    public static byte[] Transcript(string text, string? language) => WyomingFrame.Build("transcript", json =>
    {
        json.WriteString("text"u8, text);
        if (language is not null)
        {
            json.WriteString("language"u8, language);
        }
    });

    public static byte[] TranscriptStop() => WyomingFrame.Build("transcript-stop", writeData: null);

    public static byte[] Pong() => WyomingFrame.Build("pong", writeData: null);

    /// <summary><c>error</c> with a sentence for people and a code for programs.</summary>
    public static byte[] Error(string text, string code) => WyomingFrame.Build("error", json =>
    {
        json.WriteString("text"u8, text);
        json.WriteString("code"u8, code);
    });

    private static void Attribution(Utf8JsonWriter json, string name, string url)
    {
        json.WriteStartObject("attribution"u8);
        json.WriteString("name"u8, name);
        json.WriteString("url"u8, url);
        json.WriteEndObject();
    }
}
