using FriendLite.Edge.Concurrency;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.HomeAssistant;
using FriendLite.Edge.Storage;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Server;

/// <summary>
/// <c>--wyoming-listen</c>: the Wyoming speech-to-text server Home Assistant's voice assistant uses,
/// on this server's engine. Its accept loop is a child of the root group and owns the group its
/// connections run in; a stop ends it with the devices, before the transcription workers stop.
/// </summary>
internal sealed partial class EdgeServer
{
    private SpeechServer? _speech;
    private TaskGroup? _speechConnections;

    /// <summary>The Wyoming speech-to-text server; null without <c>--wyoming-listen</c>.</summary>
    public SpeechServer? Speech => _speech;

    /// <summary>Binds <c>--wyoming-listen</c>'s port; on failure the ports already bound are closed again and the start fails naming it.</summary>
    private void BindSpeechServer(ConversationStore conversations, TranscriptStore transcripts)
    {
        if (Options.Wyoming is not { } wyoming || _engine is null)
        {
            return;
        }

        try
        {
            var archive = wyoming.Store ? new CommandArchive(Options.DataDirectory, conversations, transcripts, Accounts.Users, Options.Time, _log) : null;
            _speech = SpeechServer.Start(wyoming, new SpeechContext(_scheduler, EngineDescription.Of(_engine), Sessions, archive, HealthEndpoints.Version, _log));
        }
        catch
        {
            _metricsGate?.Close();
            _host.Stop();
            _gate.Close(); // nothing was accepted yet
            throw;
        }
    }

    private void RunSpeechServer()
    {
        if (_speech is not { } speech)
        {
            return;
        }

        // Its connections and its zeroconf advertising end together, when the devices do: a stop says goodbye on the network first.
        var group = _speechConnections = new TaskGroup("wyoming", _root);
        _root.Spawn("wyoming-accept", _ => speech.AcceptLoopAsync(group));
        if (Options.Wyoming?.ZeroconfName is { } name)
        {
            var advertiser = new ZeroconfAdvertiser(name, speech.EndPoint.Port, ZeroconfAdvertiser.AddressesFor(speech.EndPoint.Address), ZeroconfAdvertiser.LocalHostName(), _log);
            group.Spawn("zeroconf", token => AdvertiseContainedAsync(advertiser, token));
        }
    }

    /// <summary>
    /// Failure domain: the advertising. It shares its group with the Wyoming connections, so a fault
    /// nobody named ends the advertising alone (logged; the server is still added by host and port).
    /// </summary>
    private async Task AdvertiseContainedAsync(ZeroconfAdvertiser advertiser, CancellationToken cancellationToken)
    {
        try
        {
            await advertiser.RunAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _log.Exception(LogLevel.Error, "zeroconf", "zeroconf advertising failed and stopped; add the server to Home Assistant by host and port", ex);
        }
    }

    /// <summary>With the devices: no new connection, and the live ones' commands cancelled (each told the server is stopping) while the workers still run.</summary>
    private void StopSpeechServer()
    {
        _speech?.Stop();
        _speechConnections?.Cancel();
    }
}
