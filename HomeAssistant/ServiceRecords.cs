using System.Net;

namespace FriendLite.Edge.HomeAssistant;

/// <summary>
/// The records one DNS-SD service is made of (RFC 6763 §4, §5, §6, §9) and the answers to queries for
/// them: the service type's PTR to the instance, the instance's SRV (port, host) and empty TXT, the
/// host's A records, and the type listed under <c>_services._dns-sd._udp.local.</c>. No sockets here.
/// The A records are the caller's for each link: a link is told only the addresses valid on it
/// (RFC 6762 §6.2), which are also the ones avahi-daemon, owning the same host name, tells it; a
/// unique record with other data would be a conflict to another responder.
/// </summary>
internal sealed class ServiceRecords
{
    /// <summary>RFC 6762 §10: 120 s for records holding a host name, 75 min for the others.</summary>
    public const uint HostTtl = 120;
    public const uint OtherTtl = 4500;

    /// <summary>RFC 6762 §6.7: answers to legacy unicast queries carry at most 10 s.</summary>
    public const uint LegacyTtl = 10;

    private static readonly DnsName s_servicesMeta = DnsName.Parse("_services._dns-sd._udp.local.");

    private readonly PtrRecord _ptr;
    private readonly PtrRecord _metaPtr;
    private readonly SrvRecord _srv;
    private readonly TxtRecord _txt;

    /// <param name="instanceName">One label, shown to users (&lt;= 63 bytes of UTF-8; may hold dots and spaces).</param>
    /// <param name="serviceType">For example <c>_wyoming._tcp.local.</c></param>
    /// <param name="port">The service's TCP port, in the SRV record.</param>
    /// <param name="hostName">For example <c>raspberrypi.local.</c></param>
    public ServiceRecords(string instanceName, string serviceType, ushort port, DnsName hostName)
    {
        ServiceType = DnsName.Parse(serviceType);
        Instance = DnsName.Prepend(instanceName, ServiceType);
        Host = hostName;
        _ptr = new PtrRecord(ServiceType, OtherTtl, Instance);
        _metaPtr = new PtrRecord(s_servicesMeta, OtherTtl, ServiceType);
        _srv = new SrvRecord(Instance, HostTtl, CacheFlush: true, Priority: 0, Weight: 0, port, Host);
        _txt = new TxtRecord(Instance, OtherTtl, CacheFlush: true, []);
    }

    public DnsName ServiceType { get; }

    public DnsName Instance { get; }

    public DnsName Host { get; }

    /// <summary>
    /// The unsolicited response that announces the service (RFC 6762 §8.3), or with
    /// <paramref name="goodbye"/> withdraws it: the same records with TTL 0 (§10.1).
    /// </summary>
    public DnsMessage Announcement(bool goodbye, IReadOnlyList<IPAddress> addresses)
    {
        DnsRecord[] records = [_ptr, _srv, _txt, .. AddressRecords(addresses)];
        return new DnsMessage(0, IsResponse: true, [], goodbye ? [.. records.Select(r => r with { Ttl = 0 })] : records, []);
    }

    /// <summary>
    /// The response to <paramref name="query"/>, or null when it asks nothing of ours (or only what it
    /// says it already knows, RFC 6762 §7.1). Records a question did not ask for but will need follow as
    /// additional records (RFC 6763 §12). A legacy unicast query (RFC 6762 §6.7) gets its id and its
    /// questions back, TTLs of at most 10 s and no cache-flush bits.
    /// </summary>
    public DnsMessage? Answer(DnsMessage query, bool legacyUnicast, IReadOnlyList<IPAddress> addresses)
    {
        if (query.IsResponse)
        {
            return null;
        }

        var hostAddresses = AddressRecords(addresses);

        var answers = new List<DnsRecord>();
        var additionals = new List<DnsRecord>();
        var asked = new List<DnsQuestion>();
        foreach (var question in query.Questions)
        {
            var count = answers.Count;
            if (Asks(question, ServiceType, DnsType.Ptr) && !Known(query, _ptr))
            {
                answers.Add(_ptr);
                additionals.AddRange([_srv, _txt, .. hostAddresses]);
            }

            if (Asks(question, s_servicesMeta, DnsType.Ptr) && !Known(query, _metaPtr))
            {
                answers.Add(_metaPtr);
            }

            if (Asks(question, Instance, DnsType.Srv))
            {
                answers.Add(_srv);
                additionals.AddRange(hostAddresses);
            }

            if (Asks(question, Instance, DnsType.Txt))
            {
                answers.Add(_txt);
            }

            if (Asks(question, Host, DnsType.A))
            {
                answers.AddRange(hostAddresses);
            }

            if (answers.Count > count)
            {
                asked.Add(new DnsQuestion(question.Name, question.Type));
            }
        }

        if (answers.Count == 0)
        {
            return null;
        }

        var distinctAnswers = answers.Distinct(ReferenceEqualityComparer.Instance).Cast<DnsRecord>().ToList();
        var extra = additionals.Distinct(ReferenceEqualityComparer.Instance).Cast<DnsRecord>().Where(r => !distinctAnswers.Contains(r)).ToList();
        return legacyUnicast
            ? new DnsMessage(query.Id, IsResponse: true, asked, [.. distinctAnswers.Select(Legacy)], [.. extra.Select(Legacy)])
            : new DnsMessage(0, IsResponse: true, [], distinctAnswers, extra);
    }

    private ARecord[] AddressRecords(IReadOnlyList<IPAddress> addresses) =>
        [.. addresses.Select(a => new ARecord(Host, HostTtl, CacheFlush: true, a))];

    private static bool Asks(DnsQuestion question, DnsName name, DnsType type) =>
        (question.Type == type || question.Type == DnsType.Any) && question.Name.Equals(name);

    /// <summary>Known-answer suppression: the querier lists the PTR with at least half its TTL left.</summary>
    private static bool Known(DnsMessage query, PtrRecord ours) =>
        query.Answers.OfType<PtrRecord>().Any(k => k.Name.Equals(ours.Name) && k.Target.Equals(ours.Target) && k.Ttl >= ours.Ttl / 2);

    private static DnsRecord Legacy(DnsRecord record) => record with { Ttl = Math.Min(record.Ttl, LegacyTtl), CacheFlush = false };
}
