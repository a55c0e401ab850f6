using FriendLite.Edge.Audio;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Wyoming;

namespace FriendLite.Edge.Sessions;

/// <summary>
/// A session's payloads as 16 kHz mono samples: Opus packets through one decoder, PCM through a
/// converter for the format the device announced. A corrupt Opus packet is counted and skipped (an
/// empty result); the run of corrupt packets in a row tells the session when to give up. Owns the
/// decoder and the converter; its owner, the <see cref="ConversationRecorder"/>, disposes it.
/// </summary>
internal sealed class PayloadDecoder(DeviceProtocol protocol, string clientId, FaultHook? faults, Log log, DeviceCounters counters) : IDisposable
{
    private OpusPacketDecoder? _opus;
    private PcmConverter? _pcm;

    public long PacketsDecoded { get; private set; }

    public long CorruptPackets { get; private set; }

    /// <summary>Corrupt Opus packets in a row, up to the last decoded one.</summary>
    public int CorruptRun { get; private set; }

    /// <summary>A PCM format the device announced (audio-start or a chunk's own); null keeps the current one.</summary>
    public void UseFormat(AudioFormat? format)
    {
        if (format is not null && _pcm?.Format != format)
        {
            _pcm?.Dispose();
            _pcm = new PcmConverter(format);
        }
    }

    /// <summary>Decodes a payload; a corrupt Opus packet is counted and skipped (an empty result).</summary>
    public ReadOnlySpan<short> Decode(AudioPacketMessage packet)
    {
        faults?.Invoke(FaultPoint.Decode, clientId, PacketsDecoded);
        if (protocol == DeviceProtocol.Pcm)
        {
            UseFormat(packet.Format);
            PacketsDecoded++;
            return _pcm!.Convert(packet.Payload);
        }

        _opus ??= new OpusPacketDecoder();
        try
        {
            var samples = _opus.Decode(packet.Payload);
            CorruptRun = 0;
            PacketsDecoded++;
            return samples;
        }
        catch (InvalidDataException ex)
        {
            CorruptPackets++;
            CorruptRun++;
            counters.CountUndecodable(DeviceCounters.CodecOf(protocol));
            log.Debug("session", "skipped a corrupt Opus packet", ("client", clientId), ("reason", Reasons.Of(ex)), ("run", CorruptRun));
            return [];
        }
    }

    public void Dispose()
    {
        _opus?.Dispose();
        _opus = null;
        _pcm?.Dispose();
        _pcm = null;
    }
}
