using System.Buffers.Binary;
using System.Text;

namespace FriendLite.Edge.HomeAssistant;

/// <summary>
/// Writes a <see cref="DnsMessage"/>: header, questions, answers, then additionals (no authority
/// section). A name, or its tail, already written is replaced by a pointer to it (RFC 1035 §4.1.4),
/// also inside PTR and SRV data, as RFC 6762 §18.14 allows.
/// </summary>
internal sealed class DnsWriter
{
    private const ushort ClassIn = 1;
    private const ushort TopBit = 0x8000;

    private byte[] _buffer = new byte[512];
    private int _length;
    private readonly Dictionary<string, int> _written = new(StringComparer.Ordinal);

    public static byte[] Write(DnsMessage message)
    {
        var writer = new DnsWriter();
        writer.UInt16(message.Id);
        writer.UInt16(message.IsResponse ? DnsMessage.ResponseFlags : (ushort)0);
        writer.UInt16(checked((ushort)message.Questions.Count));
        writer.UInt16(checked((ushort)message.Answers.Count));
        writer.UInt16(0);
        writer.UInt16(checked((ushort)message.Additionals.Count));
        foreach (var question in message.Questions)
        {
            writer.Name(question.Name);
            writer.UInt16((ushort)question.Type);
            writer.UInt16(question.UnicastResponse ? (ushort)(ClassIn | TopBit) : ClassIn);
        }

        foreach (var record in message.Answers.Concat(message.Additionals))
        {
            writer.Record(record);
        }

        return writer._buffer[..writer._length];
    }

    private void Record(DnsRecord record)
    {
        Name(record.Name);
        UInt16((ushort)record.Type);
        UInt16(record.CacheFlush ? (ushort)(ClassIn | TopBit) : ClassIn);
        UInt32(record.Ttl);
        var lengthAt = _length;
        UInt16(0);
        switch (record)
        {
            case PtrRecord ptr:
                Name(ptr.Target);
                break;
            case SrvRecord srv:
                UInt16(srv.Priority);
                UInt16(srv.Weight);
                UInt16(srv.Port);
                Name(srv.Target);
                break;
            case TxtRecord txt:
                foreach (var text in txt.Strings.DefaultIfEmpty(""))
                {
                    var bytes = Encoding.UTF8.GetBytes(text);
                    if (bytes.Length > byte.MaxValue)
                    {
                        throw new ArgumentException($"a TXT string is at most {byte.MaxValue} bytes", nameof(record));
                    }

                    Byte((byte)bytes.Length);
                    Bytes(bytes);
                }

                break;
            case ARecord a:
                Bytes(a.Address.GetAddressBytes());
                break;
            case OtherRecord other:
                Bytes(other.Data);
                break;
        }

        BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(lengthAt), checked((ushort)(_length - lengthAt - 2)));
    }

    private void Name(DnsName name)
    {
        for (var i = 0; i < name.Labels.Count; i++)
        {
            var key = Key(name, i);
            if (_written.TryGetValue(key, out var offset))
            {
                UInt16((ushort)(0xC000 | offset));
                return;
            }

            if (_length <= 0x3FFF)
            {
                _written[key] = _length;
            }

            var bytes = Encoding.UTF8.GetBytes(name.Labels[i]);
            Byte((byte)bytes.Length);
            Bytes(bytes);
        }

        Byte(0);
    }

    /// <summary>The suffix from label <paramref name="from"/> on, with ASCII letters folded, as names compare.</summary>
    private static string Key(DnsName name, int from)
    {
        var key = new StringBuilder();
        for (var i = from; i < name.Labels.Count; i++)
        {
            foreach (var c in name.Labels[i])
            {
                key.Append(char.IsAsciiLetterUpper(c) ? char.ToLowerInvariant(c) : c);
            }

            key.Append('\0');
        }

        return key.ToString();
    }

    private void UInt16(ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        Bytes(bytes);
    }

    private void UInt32(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        Bytes(bytes);
    }

    private void Byte(byte value) => Bytes([value]);

    private void Bytes(ReadOnlySpan<byte> bytes)
    {
        if (_length + bytes.Length > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + bytes.Length));
        }

        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }
}
