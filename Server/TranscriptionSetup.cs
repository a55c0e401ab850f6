using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Http;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Server;

/// <summary>What <c>serve</c> transcribes with, chosen once at start from the options.</summary>
internal static class TranscriptionSetup
{
    /// <summary>Whether the options ask for transcription at all (an engine, a remote server or a model), whether or not it loads.</summary>
    public static bool Transcribes(ServerOptions options) =>
        options.Engine is not null || options.Asr is not null || !string.IsNullOrEmpty(options.ModelPath);

    /// <summary>
    /// The transcription engine: a Wyoming server (<c>--asr</c>) or a local model (<c>--model</c>).
    /// A missing or broken model is not a failed start: audio is still stored and its speech waits as
    /// jobs (<see cref="UnloadedEngine"/>).
    /// Asking for the network in offline mode is a failed start.
    /// </summary>
    public static (ITranscriptionEngine? Engine, string Status) LoadEngine(ServerOptions options, Log log)
    {
        if (options.Engine is { } injected)
        {
            var engine = injected();
            return (engine, engine.Status);
        }

        if (options.Asr is { } asr)
        {
            try
            {
                var remote = new WyomingEngine(asr, options.Offline);
                log.Info("transcription", "remote engine", ("asr", remote.Status[4..]));
                return (remote, remote.Status);
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException)
            {
                throw new StartupException(ex.Message);
            }
        }

        if (string.IsNullOrEmpty(options.ModelPath))
        {
            return (null, "unavailable: no model configured (--model)");
        }

        try
        {
            var settings = new WhisperSettings(options.Threads, TemperatureFallback: options.TemperatureFallback, SizedAudioContext: true);
            // The full path: a server's working directory is not the shell's (under systemd it is /).
            var engine = WhisperEngine.Load(Path.GetFullPath(options.ModelPath), settings, log);
            log.Info("transcription", "model loaded", ("model", engine.Model.ToString()), ("threads", options.Threads));
            return (engine, engine.Status);
        }
        catch (InvalidDataException ex)
        {
            log.Error("transcription", $"transcription is unavailable: {ex.Message}");
            var unloaded = new UnloadedEngine(ex.Message); // segments wait as jobs for a restart with a model that loads
            return (unloaded, unloaded.Status);
        }
    }

    /// <summary>Silero when --vad-model is given and loads; otherwise (one log line saying why) the energy VAD.</summary>
    public static (SileroVadModel? Model, ComponentHealth Health) LoadVad(ServerOptions options, Log log)
    {
        if (string.IsNullOrEmpty(options.VadModelPath))
        {
            return (null, new("ok", "energy"));
        }

        try
        {
            var model = SileroVadModel.Load(options.VadModelPath, new VadSettings());
            log.Info("transcription", "VAD model loaded", ("vad_model", options.VadModelPath));
            return (model, new("ok", $"silero: {Path.GetFileName(options.VadModelPath)}"));
        }
        catch (InvalidDataException ex)
        {
            log.Error("transcription", $"using the energy VAD instead: {ex.Message}");
            return (null, new("degraded", $"energy (the Silero model failed: {ex.Message})"));
        }
    }
}
