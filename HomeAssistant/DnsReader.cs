using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace FriendLite.Edge.HomeAssistant;

/// <summary>
/// Reads a DNS message from a packet anyone on the network may send, so nothing in it is trusted:
/// every length is checked against what is left, a compression pointer must point before itself
/// before the place it was reached from (so pointers cannot loop) and a name may take at most <see cref="MaxPointerHops"/> of them.
/// A bad packet gives false and a short reason, never an exception.
/// </summary>
internal ref struct DnsReader
{
    /// <summary>More than a valid name (at most 127 labels) could need.</summary>
    public const int MaxPointerHops = 128;

    private const int HeaderSize = 12;

    private readonly ReadOnlySpan<byte> _packet;
    private int _position;

    private DnsReader(ReadOnlySpan<byte> packet)
    {
        _packet = packet;
    }

    public static bool TryRead(ReadOnlySpan<byte> packet, out DnsMessage message, out string problem)
    {
        message = null!;
        var reader = new DnsReader(packet);
        if (!reader.TryUInt16(out var id) || !reader.TryUInt16(out var flags) || !reader.TryUInt16(out var questionCount)
            || !reader.TryUInt16(out var answerCount) || !reader.TryUInt16(out var authorityCount) || !reader.TryUInt16(out var additionalCount))
        {
            problem = "shorter than a DNS header";
            return false;
        }

        // RFC 6762 §18.3: a message with a non-zero opcode is ignored.
        if ((flags & 0x7800) != 0)
        {
            problem = "not a standard query or response (opcode)";
            return false;
        }

        var questions = new List<DnsQuestion>();
        for (var i = 0; i < questionCount; i++)
        {
            if (!reader.TryName(out var name) || !reader.TryUInt16(out var type) || !reader.TryUInt16(out var @class))
            {
                problem = $"question {i + 1} of {questionCount} is truncated or malformed";
                return false;
            }

            questions.Add(new DnsQuestion(name, (DnsType)type, (@class & 0x8000) != 0));
        }

        var records = new List<DnsRecord>();
        var total = answerCount + authorityCount + additionalCount;
        for (var i = 0; i < total; i++)
        {
            if (!reader.TryRecord(out var record))
            {
                problem = $"record {i + 1} of {total} is truncated or malformed";
                return false;
            }

            records.Add(record);
        }

        message = new DnsMessage(id, (flags & 0x8000) != 0, questions, records.GetRange(0, answerCount),
            records.GetRange(answerCount + authorityCount, additionalCount));
        problem = "";
        return true;
    }

    private bool TryRecord(out DnsRecord record)
    {
        record = null!;
        if (!TryName(out var name) || !TryUInt16(out var type) || !TryUInt16(out var @class) || !TryUInt32(out var ttl)
            || !TryUInt16(out var length) || length > _packet.Length - _position)
        {
            return false;
        }

        var cacheFlush = (@class & 0x8000) != 0;
        var end = _position + length;
        switch ((DnsType)type)
        {
            case DnsType.Ptr when TryName(out var target):
                record = new PtrRecord(name, ttl, target);
                break;
            case DnsType.Srv when TryUInt16(out var priority) && TryUInt16(out var weight) && TryUInt16(out var port) && TryName(out var target):
                record = new SrvRecord(name, ttl, cacheFlush, priority, weight, port, target);
                break;
            case DnsType.Txt:
                var strings = new List<string>();
                while (_position < end)
                {
                    var size = _packet[_position++];
                    if (size > end - _position)
                    {
                        return false;
                    }

                    strings.Add(Encoding.UTF8.GetString(_packet.Slice(_position, size)));
                    _position += size;
                }

                record = new TxtRecord(name, ttl, cacheFlush, strings);
                break;
            case DnsType.A when length == 4:
                record = new ARecord(name, ttl, cacheFlush, new IPAddress(_packet.Slice(_position, 4)));
                _position = end;
                break;
            case DnsType.Ptr or DnsType.Srv or DnsType.A:
                return false;
            default:
                record = new OtherRecord(name, ttl, cacheFlush, (DnsType)type, _packet.Slice(_position, length).ToArray());
                _position = end;
                break;
        }

        // The data's length must be exactly what its contents took.
        return _position == end;
    }

    private bool TryName(out DnsName name)
    {
        name = null!;
        var labels = new List<string>();
        var wireLength = 1;
        var at = _position;
        var resumeAt = -1;
        var limit = _position;
        for (var hops = 0; ; )
        {
            if (at >= _packet.Length)
            {
                return false;
            }

            var size = _packet[at];
            if (size == 0)
            {
                _position = resumeAt >= 0 ? resumeAt : at + 1;
                break;
            }

            switch (size & 0xC0)
            {
                case 0xC0:
                    if (at + 1 >= _packet.Length || ++hops > MaxPointerHops)
                    {
                        return false;
                    }

                    var target = ((size & 0x3F) << 8) | _packet[at + 1];
                    // Each jump lands before the last one (the name's start at first), so jumps cannot loop.
                    if (target >= Math.Min(at, limit) || target < HeaderSize)
                    {
                        return false;
                    }

                    limit = target;

                    if (resumeAt < 0)
                    {
                        resumeAt = at + 2;
                    }

                    at = target;
                    continue;
                case 0x00:
                    wireLength += 1 + size;
                    if (at + 1 + size > _packet.Length || wireLength > DnsName.MaxNameBytes)
                    {
                        return false;
                    }

                    labels.Add(Encoding.UTF8.GetString(_packet.Slice(at + 1, size)));
                    at += 1 + size;
                    continue;
                default:
                    // 0x40 and 0x80 are reserved label types (RFC 6891 retired the extended ones).
                    return false;
            }
        }

        name = DnsName.FromWire(labels);
        return true;
    }

    private bool TryUInt16(out ushort value)
    {
        value = 0;
        if (_packet.Length - _position < 2)
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt16BigEndian(_packet[_position..]);
        _position += 2;
        return true;
    }

    private bool TryUInt32(out uint value)
    {
        value = 0;
        if (_packet.Length - _position < 4)
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt32BigEndian(_packet[_position..]);
        _position += 4;
        return true;
    }
}
