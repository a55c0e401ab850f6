using System.Net;
using System.Text;

namespace FriendLite.Edge.HomeAssistant;

/// <summary>The record types mDNS service discovery uses (RFC 1035, 2782, 6763); others are kept as numbers.</summary>
internal enum DnsType : ushort
{
    A = 1,
    Ptr = 12,
    Txt = 16,
    Aaaa = 28,
    Srv = 33,
    Nsec = 47,
    Any = 255,
}

/// <summary>
/// A domain name as its labels (a label may hold dots and any UTF-8, as a DNS-SD instance name does).
/// Names compare case-insensitively in ASCII, as DNS does.
/// </summary>
internal sealed class DnsName : IEquatable<DnsName>
{
    /// <summary>RFC 1035: a label is at most 63 bytes, a name at most 255 in wire form.</summary>
    public const int MaxLabelBytes = 63;
    public const int MaxNameBytes = 255;

    public DnsName(IReadOnlyList<string> labels)
    {
        var wire = 1;
        foreach (var label in labels)
        {
            var bytes = Encoding.UTF8.GetByteCount(label);
            if (bytes is 0 or > MaxLabelBytes)
            {
                throw new ArgumentException($"the DNS label '{label}' must be 1 to {MaxLabelBytes} bytes in UTF-8", nameof(labels));
            }

            wire += 1 + bytes;
        }

        if (wire > MaxNameBytes)
        {
            throw new ArgumentException($"the DNS name '{string.Join('.', labels)}' is longer than {MaxNameBytes} bytes", nameof(labels));
        }

        Labels = [.. labels];
    }

    private DnsName(List<string> labels, bool _)
    {
        Labels = labels;
    }

    /// <summary>The name the root is: no labels.</summary>
    public static DnsName Root { get; } = new([]);

    public IReadOnlyList<string> Labels { get; }

    /// <summary>
    /// A name read from a packet, whose lengths the reader has checked on the wire. Not checked
    /// again: a label of invalid UTF-8 reads longer as text than it was, and must not throw.
    /// </summary>
    public static DnsName FromWire(List<string> labels) => new(labels, false);

    /// <summary>A name written with dots between labels (no label may hold a dot this way); a final dot is optional.</summary>
    public static DnsName Parse(string dotted) =>
        new(dotted.TrimEnd('.').Split('.', StringSplitOptions.None));

    /// <summary>One label in front of <paramref name="rest"/>: how an instance name (which may hold dots) is made.</summary>
    public static DnsName Prepend(string label, DnsName rest) => new([label, .. rest.Labels]);

    /// <summary>The name from its <paramref name="skip"/>th label on: the suffixes compression points at.</summary>
    public DnsName Suffix(int skip) => new([.. Labels.Skip(skip)]);

    public bool Equals(DnsName? other) =>
        other is not null && other.Labels.Count == Labels.Count
        && Labels.Zip(other.Labels).All(p => AsciiEquals(p.First, p.Second));

    public override bool Equals(object? obj) => Equals(obj as DnsName);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var label in Labels)
        {
            hash.Add(label.ToLowerInvariant());
        }

        return hash.ToHashCode();
    }

    public override string ToString() => string.Join('.', Labels) + ".";

    /// <summary>DNS folds only ASCII letters (RFC 4343); other characters must match exactly.</summary>
    private static bool AsciiEquals(string a, string b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i] && (!char.IsAsciiLetter(a[i]) || char.ToLowerInvariant(a[i]) != char.ToLowerInvariant(b[i])))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>A question; <see cref="UnicastResponse"/> is mDNS's QU bit, the top bit of the class (RFC 6762 §5.4).</summary>
internal sealed record DnsQuestion(DnsName Name, DnsType Type, bool UnicastResponse = false);

/// <summary>
/// A resource record of class IN. <see cref="CacheFlush"/> is mDNS's top bit of the class (RFC 6762 §10.2):
/// set on records this host alone owns, never on shared ones such as a service type's PTR.
/// </summary>
internal abstract record DnsRecord(DnsName Name, uint Ttl, bool CacheFlush)
{
    public abstract DnsType Type { get; }
}

internal sealed record PtrRecord(DnsName Name, uint Ttl, DnsName Target) : DnsRecord(Name, Ttl, CacheFlush: false)
{
    public override DnsType Type => DnsType.Ptr;
}

internal sealed record SrvRecord(DnsName Name, uint Ttl, bool CacheFlush, ushort Priority, ushort Weight, ushort Port, DnsName Target)
    : DnsRecord(Name, Ttl, CacheFlush)
{
    public override DnsType Type => DnsType.Srv;
}

/// <summary>TXT data as its strings; DNS-SD writes an empty TXT record as one empty string (RFC 6763 §6.1).</summary>
internal sealed record TxtRecord(DnsName Name, uint Ttl, bool CacheFlush, IReadOnlyList<string> Strings) : DnsRecord(Name, Ttl, CacheFlush)
{
    public override DnsType Type => DnsType.Txt;
}

internal sealed record ARecord(DnsName Name, uint Ttl, bool CacheFlush, IPAddress Address) : DnsRecord(Name, Ttl, CacheFlush)
{
    public override DnsType Type => DnsType.A;
}

/// <summary>A record of a type this responder does not read: kept as bytes, so a message still parses.</summary>
internal sealed record OtherRecord(DnsName Name, uint Ttl, bool CacheFlush, DnsType RecordType, byte[] Data) : DnsRecord(Name, Ttl, CacheFlush)
{
    public override DnsType Type => RecordType;
}

/// <summary>
/// One DNS message as mDNS uses it (RFC 6762 §18): the id (zero except in replies to legacy unicast
/// queries), whether it is a response, and its sections. Authority records are read to be skipped.
/// </summary>
internal sealed record DnsMessage(ushort Id, bool IsResponse, IReadOnlyList<DnsQuestion> Questions, IReadOnlyList<DnsRecord> Answers,
    IReadOnlyList<DnsRecord> Additionals)
{
    /// <summary>QR and AA: every mDNS response is authoritative (RFC 6762 §18.4).</summary>
    public const ushort ResponseFlags = 0x8400;

    /// <summary>The largest mDNS message (RFC 6762 §17), the receive buffer's size.</summary>
    public const int MaxSize = 9000;

    /// <summary>The wire form; names are compressed against those written before them.</summary>
    public byte[] Encode() => DnsWriter.Write(this);

    /// <summary>Reads a message; false (never an exception) for one that is truncated or malformed.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> packet, out DnsMessage message, out string problem) =>
        DnsReader.TryRead(packet, out message, out problem);
}
