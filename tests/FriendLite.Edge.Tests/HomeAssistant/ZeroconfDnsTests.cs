using System.Net;
using System.Text;
using FriendLite.Edge.HomeAssistant;

namespace FriendLite.Edge.Tests.HomeAssistant;

/// <summary>The DNS message codec and the service's records: what goes on the wire and what comes back.</summary>
public sealed class ZeroconfDnsTests
{
    private static readonly DnsName s_type = DnsName.Parse("_wyoming._tcp.local.");
    private static readonly DnsName s_instance = DnsName.Prepend("Kitchen Pi. v2", s_type);
    private static readonly DnsName s_host = DnsName.Parse("kitchen.local.");

    private static readonly IPAddress[] s_addresses = [IPAddress.Parse("192.168.1.20"), IPAddress.Parse("10.0.0.5")];

    private static ServiceRecords Records() => new("Kitchen Pi. v2", "_wyoming._tcp.local.", 10300, s_host);

    private static DnsMessage Query(DnsType type, DnsName name, ushort id = 0, bool qu = false, params DnsRecord[] known) =>
        new(id, IsResponse: false, [new DnsQuestion(name, type, qu)], known, []);

    private static DnsMessage Decode(byte[] packet)
    {
        Assert.True(DnsMessage.TryDecode(packet, out var message, out var problem), problem);
        return message;
    }

    [Fact]
    public void EncodeDecode_PtrSrvTxtA_RoundTrip()
    {
        var sent = new DnsMessage(0x1234, IsResponse: true, [new DnsQuestion(s_type, DnsType.Ptr, UnicastResponse: true)],
            [new PtrRecord(s_type, 4500, s_instance)],
            [
                new SrvRecord(s_instance, 120, CacheFlush: true, 1, 2, 10300, s_host),
                new TxtRecord(s_instance, 4500, CacheFlush: true, ["a=1", "ü"]),
                new ARecord(s_host, 120, CacheFlush: true, IPAddress.Parse("192.168.1.20")),
            ]);

        var back = Decode(sent.Encode());

        Assert.Equal(0x1234, back.Id);
        Assert.True(back.IsResponse);
        Assert.Equal(sent.Questions, back.Questions);
        var ptr = Assert.IsType<PtrRecord>(Assert.Single(back.Answers));
        Assert.Equal(("Kitchen Pi. v2._wyoming._tcp.local.", 4500u), (ptr.Target.ToString(), ptr.Ttl));
        Assert.Equal(4, ptr.Target.Labels.Count);
        var srv = Assert.IsType<SrvRecord>(back.Additionals[0]);
        Assert.Equal((true, (ushort)1, (ushort)2, (ushort)10300, s_host), (srv.CacheFlush, srv.Priority, srv.Weight, srv.Port, srv.Target));
        Assert.Equal(["a=1", "ü"], Assert.IsType<TxtRecord>(back.Additionals[1]).Strings);
        Assert.Equal(IPAddress.Parse("192.168.1.20"), Assert.IsType<ARecord>(back.Additionals[2]).Address);
    }

    [Fact]
    public void Encode_RepeatedNames_AreWrittenOnceAndPointedAt()
    {
        var packet = Records().Announcement(goodbye: false, s_addresses).Encode();

        var text = Encoding.Latin1.GetString(packet);
        Assert.Single(AllIndexes(text, "_wyoming"));
        Assert.Single(AllIndexes(text, "Kitchen Pi. v2"));
        Assert.Single(AllIndexes(text, "kitchen"));
        Assert.Equal(5, Decode(packet).Answers.Count);
    }

    [Fact]
    public void Encode_EmptyTxt_IsOneEmptyString()
    {
        var packet = new DnsMessage(0, true, [], [new TxtRecord(s_instance, 4500, true, [])], []).Encode();

        // RFC 6763 §6.1: the data of an empty TXT record is a single zero byte.
        Assert.Equal([0, 1, 0], packet[^3..]);
        Assert.Equal([""], Assert.IsType<TxtRecord>(Assert.Single(Decode(packet).Answers)).Strings);
    }

    [Fact]
    public void Decode_HandMadeCompressedName_FollowsThePointer()
    {
        byte[] packet =
        [
            0, 7, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0,
            3, (byte)'f', (byte)'o', (byte)'o', 5, (byte)'L', (byte)'O', (byte)'C', (byte)'A', (byte)'L', 0, 0, 1, 0x80, 1,
            3, (byte)'b', (byte)'a', (byte)'r', 0xC0, 12, 0, 12, 0, 1,
        ];

        var message = Decode(packet);

        Assert.Equal(["foo.LOCAL.", "bar.foo.LOCAL."], message.Questions.Select(q => q.Name.ToString()));
        Assert.True(message.Questions[0].UnicastResponse);
        Assert.Equal(DnsName.Parse("bar.foo.local"), message.Questions[1].Name);
    }

    [Fact]
    public void Decode_EveryTruncation_IsRefusedWithoutThrowing()
    {
        var packet = Records().Answer(Query(DnsType.Ptr, s_type), legacyUnicast: false, s_addresses)!.Encode();

        for (var length = 0; length < packet.Length; length++)
        {
            Assert.False(DnsMessage.TryDecode(packet.AsSpan(0, length), out _, out var problem), $"{length} bytes read as a message");
            Assert.NotEmpty(problem);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0xC0, 12 })] // points at itself
    [InlineData(new byte[] { 0xC0, 14, 0xC0, 12 })] // points forward, at one pointing back
    [InlineData(new byte[] { 1, (byte)'a', 0xC0, 12 })] // a label, then back to its own start
    [InlineData(new byte[] { 0xC0, 2 })] // into the header
    [InlineData(new byte[] { 0x40, 0 })] // a reserved label type
    [InlineData(new byte[] { 0xC0 })] // a pointer to offset 0, with the type's first byte
    public void Decode_BadNames_AreRefused(byte[] name)
    {
        byte[] packet = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, .. name, 0, 12, 0, 1];

        Assert.False(DnsMessage.TryDecode(packet, out _, out var problem));
        Assert.Contains("question 1", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_NameOver255Bytes_IsRefused()
    {
        var labels = Enumerable.Range(0, 5).SelectMany(_ => (byte[])[63, .. Enumerable.Repeat((byte)'a', 63)]);
        byte[] packet = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, .. labels, 0, 0, 12, 0, 1];

        Assert.False(DnsMessage.TryDecode(packet, out _, out _));
    }

    [Fact]
    public void Decode_RandomAndMutatedPackets_NeverThrow()
    {
        var valid = Records().Answer(Query(DnsType.Any, s_instance), legacyUnicast: true, s_addresses)!.Encode();
        var random = new Random(6762);
        for (var i = 0; i < 20_000; i++)
        {
            var packet = i % 2 == 0 ? new byte[random.Next(0, 200)] : (byte[])valid.Clone();
            if (i % 2 == 0)
            {
                random.NextBytes(packet);
            }
            else
            {
                for (var flips = random.Next(1, 6); flips > 0; flips--)
                {
                    packet[random.Next(packet.Length)] = (byte)random.Next(256);
                }
            }

            DnsMessage.TryDecode(packet, out _, out _);
        }
    }

    [Fact]
    public void Decode_LabelOfInvalidUtf8_IsReadNotThrown()
    {
        byte[] packet = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 63, .. Enumerable.Repeat((byte)0xFF, 63), 0, 0, 12, 0, 1];

        Assert.Single(Decode(packet).Questions);
    }

    [Fact]
    public void Answer_TypePtr_GivesTheInstanceWithSrvTxtAndAddressesAsAdditionals()
    {
        var answer = Records().Answer(Query(DnsType.Ptr, DnsName.Parse("_WYOMING._tcp.local")), legacyUnicast: false, s_addresses)!;

        Assert.Equal(0, answer.Id);
        Assert.Empty(answer.Questions);
        Assert.Equal(s_instance, Assert.IsType<PtrRecord>(Assert.Single(answer.Answers)).Target);
        Assert.Equal([DnsType.Srv, DnsType.Txt, DnsType.A, DnsType.A], answer.Additionals.Select(r => r.Type));
        Assert.All(answer.Additionals, r => Assert.True(r.CacheFlush));
    }

    [Fact]
    public void Answer_LegacyUnicast_KeepsIdAndQuestionWithShortTtlsAndNoCacheFlush()
    {
        var answer = Records().Answer(Query(DnsType.Ptr, s_type, id: 4242), legacyUnicast: true, s_addresses)!;

        Assert.Equal(4242, answer.Id);
        Assert.Equal(s_type, Assert.Single(answer.Questions).Name);
        Assert.All(answer.Answers.Concat(answer.Additionals), r => Assert.True(r.Ttl <= 10 && !r.CacheFlush));
    }

    [Fact]
    public void Answer_ServicesMetaQuery_ListsTheServiceType()
    {
        var answer = Records().Answer(Query(DnsType.Ptr, DnsName.Parse("_services._dns-sd._udp.local")), legacyUnicast: false, s_addresses)!;

        Assert.Equal(s_type, Assert.IsType<PtrRecord>(Assert.Single(answer.Answers)).Target);
    }

    [Fact]
    public void Answer_InstanceAndHostQueries_GiveSrvTxtAndA()
    {
        var records = Records();

        var srv = records.Answer(Query(DnsType.Srv, s_instance), false, s_addresses)!;
        var any = records.Answer(Query(DnsType.Any, s_instance), false, s_addresses)!;
        var host = records.Answer(Query(DnsType.A, s_host), false, s_addresses)!;

        Assert.Equal((ushort)10300, Assert.IsType<SrvRecord>(Assert.Single(srv.Answers)).Port);
        Assert.Equal([DnsType.A, DnsType.A], srv.Additionals.Select(r => r.Type));
        Assert.Equal([DnsType.Srv, DnsType.Txt], any.Answers.Select(r => r.Type));
        Assert.Equal(["192.168.1.20", "10.0.0.5"], host.Answers.Cast<ARecord>().Select(a => a.Address.ToString()));
    }

    [Fact]
    public void AnnouncementAndAnswer_CarryOnlyTheAddressesGivenForTheLink()
    {
        var records = Records();
        IPAddress[] link = [IPAddress.Parse("10.0.0.5")];

        var host = records.Answer(Query(DnsType.A, s_host), false, link)!;
        var announced = records.Announcement(goodbye: false, link);

        Assert.Equal("10.0.0.5", Assert.Single(host.Answers.Cast<ARecord>()).Address.ToString());
        Assert.Equal("10.0.0.5", Assert.Single(announced.Answers.OfType<ARecord>()).Address.ToString());
        Assert.Null(records.Answer(Query(DnsType.A, s_host), false, []));
    }

    [Fact]
    public void Answer_OtherNamesResponsesAndKnownAnswers_GetNothing()
    {
        var records = Records();

        Assert.Null(records.Answer(Query(DnsType.Ptr, DnsName.Parse("_http._tcp.local")), false, s_addresses));
        Assert.Null(records.Answer(Query(DnsType.Aaaa, s_host), false, s_addresses));
        Assert.Null(records.Answer(Query(DnsType.Ptr, s_type) with { IsResponse = true }, false, s_addresses));
        Assert.Null(records.Answer(Query(DnsType.Ptr, s_type, known: new PtrRecord(s_type, 4000, s_instance)), false, s_addresses));
        Assert.NotNull(records.Answer(Query(DnsType.Ptr, s_type, known: new PtrRecord(s_type, 100, s_instance)), false, s_addresses));
    }

    [Fact]
    public void Announcement_Goodbye_IsTheSameRecordsWithTtlZero()
    {
        var records = Records();

        var hello = records.Announcement(goodbye: false, s_addresses);
        var goodbye = Decode(records.Announcement(goodbye: true, s_addresses).Encode());

        Assert.Equal(hello.Answers.Select(r => (r.Type, r.Name)), goodbye.Answers.Select(r => (r.Type, r.Name)));
        Assert.All(hello.Answers, r => Assert.True(r.Ttl > 0));
        Assert.All(goodbye.Answers, r => Assert.Equal(0u, r.Ttl));
    }

    private static IEnumerable<int> AllIndexes(string text, string part)
    {
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + 1, StringComparison.Ordinal))
        {
            yield return at;
        }
    }
}
