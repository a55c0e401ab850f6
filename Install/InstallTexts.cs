using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Install;

/// <summary>
/// The files <c>install</c> writes besides the binary. The unit is deploy/friendlite-edge.service
/// itself, embedded at build time, so the file in the repository and the one installed cannot drift
/// apart; only its ExecStart follows <c>--prefix</c>.
/// </summary>
internal static class InstallTexts
{
    public const string ServiceName = "friendlite-edge";
    public const string ServiceUser = "friendlite";
    public const string DefaultPrefix = "/usr/local";
    public const string UnitPath = "/etc/systemd/system/friendlite-edge.service";
    public const string SettingsPath = "/etc/default/friendlite-edge";

    /// <summary>The ExecStart line of the embedded unit, for the default prefix.</summary>
    private const string DefaultExecStart = "ExecStart=" + DefaultPrefix + "/bin/" + ServiceName + " serve";

    public static string BinaryPath(string prefix) => $"{prefix.TrimEnd('/')}/bin/{ServiceName}";

    /// <summary>The unit, running the binary installed under <paramref name="prefix"/>.</summary>
    public static string Unit(string prefix)
    {
        using var stream = typeof(InstallTexts).Assembly.GetManifestResourceStream("friendlite-edge.service")
            ?? throw new InvalidOperationException("The unit file is not embedded in this binary: FriendLite.Edge.csproj embeds deploy/friendlite-edge.service.");
        using var reader = new StreamReader(stream);
        var unit = reader.ReadToEnd();
        if (!unit.Contains('\n' + DefaultExecStart + '\n', StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"deploy/friendlite-edge.service has no line '{DefaultExecStart}' for install to point at the installed binary.");
        }

        return unit.Replace(DefaultExecStart, $"ExecStart={BinaryPath(prefix)} serve", StringComparison.Ordinal);
    }

    /// <summary>
    /// /etc/default/friendlite-edge as first written: the settings an administrator usually changes,
    /// commented out at their defaults. The unit reads it (EnvironmentFile=); install never rewrites it.
    /// </summary>
    public static string Settings(string prefix) => $"""
        # Settings of the friendlite-edge service, read by systemd at each start (EnvironmentFile= in
        # {UnitPath}). Uncomment and change a line, then: sudo systemctl restart {ServiceName}
        # Every option of '{BinaryPath(prefix)} serve --help' has such a variable. 'install' never
        # overwrites this file. It may hold secrets (an LLM API key): keep it readable by root only.
        # The data directory is {DataDirectory.System}, set by the unit (the one place the service may write).

        # Where devices connect: every interface, port 8000.
        #FRIENDLITE_HOST=0.0.0.0
        #FRIENDLITE_PORT=8000

        # Local transcription: a Whisper model, fetched once with
        #   sudo -u {ServiceUser} {BinaryPath(prefix)} model download base.en --data-dir {DataDirectory.System}
        # Keep models under {DataDirectory.System}: the service cannot see /home.
        #FRIENDLITE_MODEL={DataDirectory.System}/models/ggml-base.en.bin
        #FRIENDLITE_THREADS=4
        # Speech found by Silero instead of the built-in energy VAD.
        #FRIENDLITE_VAD_MODEL={DataDirectory.System}/models/ggml-silero-v6.2.0.bin

        # Or transcription by a Wyoming ASR server on a bigger machine (instead of FRIENDLITE_MODEL).
        #FRIENDLITE_ASR=wyoming://192.168.1.20:10300

        # Memories and action items by an OpenAI-compatible LLM (Ollama) instead of the local extractor.
        #FRIENDLITE_LLM_URL=http://192.168.1.20:11434
        #FRIENDLITE_LLM_MODEL=llama3.1:8b
        #FRIENDLITE_LLM_API_KEY=

        # No outbound connection at all (no FRIENDLITE_ASR, no FRIENDLITE_LLM_URL).
        #FRIENDLITE_OFFLINE=true

        # Dates people say ("on Friday at ten") are read in this time zone (default: the system's).
        #FRIENDLITE_TIME_ZONE=Europe/Berlin

        # Free space kept on the data directory's disk; below it devices are refused.
        #FRIENDLITE_MIN_FREE_DISK=1G
        #FRIENDLITE_LOG_LEVEL=info

        """;
}
