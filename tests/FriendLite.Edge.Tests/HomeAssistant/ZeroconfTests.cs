using System.Net;
using System.Net.Sockets;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.HomeAssistant;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.HomeAssistant;

/// <summary>
/// The advertiser on a real socket. Each test speaks mDNS on a free port of its own, on loopback,
/// so avahi-daemon (or another test) holding 5353 changes nothing here.
/// </summary>
public sealed class ZeroconfTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);
    private static readonly IPAddress s_loopback = IPAddress.Loopback;

    [Fact]
    public async Task LegacyUnicastPtrQuery_IsAnsweredWithInstanceSrvAndAddress()
    {
        await using var run = await Started();

        var reply = await run.AskAsync(Query(0xBEEF, DnsType.Ptr, "_wyoming._tcp.local."));

        Assert.Equal(0xBEEF, reply.Id);
        Assert.Equal("_wyoming._tcp.local.", Assert.Single(reply.Questions).Name.ToString());
        var ptr = Assert.IsType<PtrRecord>(Assert.Single(reply.Answers));
        Assert.Equal("Test Whisper._wyoming._tcp.local.", ptr.Target.ToString());
        var srv = Assert.Single(reply.Additionals.OfType<SrvRecord>());
        Assert.Equal((ptr.Target, (ushort)10300, "testhost.local."), (srv.Name, srv.Port, srv.Target.ToString()));
        Assert.Equal([""], Assert.Single(reply.Additionals.OfType<TxtRecord>()).Strings);
        var a = Assert.Single(reply.Additionals.OfType<ARecord>());
        Assert.Equal(("testhost.local.", s_loopback), (a.Name.ToString(), a.Address));
    }

    [Fact]
    public async Task MalformedPackets_AreIgnoredAndQueriesStillAnswered()
    {
        await using var run = await Started();
        byte[] loop = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 12, 0, 1];

        await run.Client.SendAsync(loop, run.Endpoint);
        await run.Client.SendAsync(new byte[5], run.Endpoint);
        var reply = await run.AskAsync(Query(7, DnsType.Srv, "Test Whisper._wyoming._tcp.local."));

        Assert.Equal((ushort)10300, Assert.IsType<SrvRecord>(Assert.Single(reply.Answers)).Port);
        Assert.Equal(2, run.Advertiser.MalformedPackets);
        Assert.True(run.Task.Status == TaskStatus.WaitingForActivation, "the advertiser stopped");
    }

    [Fact]
    public async Task Cancelled_AnnouncesThenSaysGoodbyeByMulticast()
    {
        var port = FreeUdpPort();
        using var group = GroupListener(port);

        await using var run = await Started(port);
        var announced = await NextResponse(group);
        await run.DisposeAsync();
        DnsMessage goodbye;
        do
        {
            goodbye = await NextResponse(group);
        }
        while (goodbye.Answers.Any(r => r.Ttl > 0));

        Assert.Contains(announced.Answers, r => r is PtrRecord { Ttl: > 0 } p && p.Target.ToString() == "Test Whisper._wyoming._tcp.local.");
        Assert.Equal(announced.Answers.Select(r => r.Type), goodbye.Answers.Select(r => r.Type));
        Assert.True(run.Task.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task MulticastQuery_IsAnsweredByMulticastOnItsLink()
    {
        var port = FreeUdpPort();
        using var group = GroupListener(port);
        var log = new LogLines();
        await using var run = await Started(port, log.Log);
        await log.WaitForAsync("debug zeroconf: announced", s_wait);
        using var querier = MdnsPeer(port);

        await querier.SendToAsync(Query(0, DnsType.Ptr, "_wyoming._tcp.local."), new IPEndPoint(IPAddress.Parse("224.0.0.251"), port));
        var answer = await NextResponse(group, m => m.Answers.Count == 1); // not one of the announcements

        Assert.Equal(0, answer.Id);
        Assert.Empty(answer.Questions);
        Assert.Equal("Test Whisper._wyoming._tcp.local.", Assert.IsType<PtrRecord>(Assert.Single(answer.Answers)).Target.ToString());
        Assert.Equal(s_loopback, Assert.Single(answer.Additionals.OfType<ARecord>()).Address);
    }

    [Fact]
    public async Task QuQuery_IsAnsweredByUnicastToTheQuerier()
    {
        var port = FreeUdpPort();
        await using var run = await Started(port);
        using var querier = MdnsPeer(port);
        byte[] query = new DnsMessage(0, false, [new DnsQuestion(DnsName.Parse("Test Whisper._wyoming._tcp.local."), DnsType.Txt, UnicastResponse: true)], [], []).Encode();

        await querier.SendToAsync(query, new IPEndPoint(IPAddress.Parse("224.0.0.251"), port));
        var reply = await NextResponse(querier); // bound to 127.0.0.1, it hears no multicast: this came by unicast

        Assert.Equal(0, reply.Id);
        var txt = Assert.IsType<TxtRecord>(Assert.Single(reply.Answers));
        Assert.True(txt.CacheFlush && txt.Ttl == ServiceRecords.OtherTtl);
    }

    [Fact]
    public async Task PortHeldWithoutReuse_WarnsAndReturns()
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        holder.Bind(new IPEndPoint(IPAddress.Any, 0));
        var port = ((IPEndPoint)holder.LocalEndPoint!).Port;
        var log = new LogLines();
        var advertiser = Advertiser(port, [s_loopback], log.Log);

        await advertiser.RunAsync(CancellationToken.None).WaitAsync(s_wait);

        Assert.False(await advertiser.Ready);
        Assert.Contains(log.Lines, l => l.StartsWith($"warn zeroconf: could not bind UDP {port} (the address is already in use); add the server to Home Assistant by host and port", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddressNotOfThisMachine_WarnsAndReturns()
    {
        var log = new LogLines();
        var advertiser = Advertiser(FreeUdpPort(), [IPAddress.Parse("203.0.113.7")], log.Log);

        await advertiser.RunAsync(CancellationToken.None).WaitAsync(s_wait);

        Assert.False(await advertiser.Ready);
        Assert.Contains(log.Lines, l => l.StartsWith("warn zeroconf: could not join the mDNS group on 203.0.113.7 (", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.StartsWith("warn zeroconf: could not join the mDNS group on any interface; add the server", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoAddress_WarnsAndReturns()
    {
        var log = new LogLines();
        var advertiser = Advertiser(FreeUdpPort(), [IPAddress.IPv6Loopback], log.Log);

        await advertiser.RunAsync(CancellationToken.None).WaitAsync(s_wait);

        Assert.Contains("warn zeroconf: no IPv4 address to announce; add the server to Home Assistant by host and port", log.Lines);
    }

    [Fact]
    public void AddressesFor_SpecificAddressIsItselfAnyIsTheMachinesNonLoopbackIPv4()
    {
        Assert.Equal([IPAddress.Parse("192.168.4.4")], ZeroconfAdvertiser.AddressesFor(IPAddress.Parse("192.168.4.4")));
        Assert.Equal([IPAddress.Parse("192.168.4.4")], ZeroconfAdvertiser.AddressesFor(IPAddress.Parse("::ffff:192.168.4.4")));
        Assert.Empty(ZeroconfAdvertiser.AddressesFor(IPAddress.Parse("fe80::1")));

        var any = ZeroconfAdvertiser.AddressesFor(IPAddress.Any);
        Assert.All(any, a => Assert.True(a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a), a.ToString()));
        Assert.Equal(any, ZeroconfAdvertiser.AddressesFor(IPAddress.IPv6Any));
        Assert.EndsWith(".local.", ZeroconfAdvertiser.LocalHostName(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("a\nb", "control characters")]
    [InlineData("ääääääääääääääääääääääääääääääää", "longer than 63 bytes")]
    public void InstanceNameProblem_SaysWhy(string name, string expected)
    {
        Assert.Contains(expected, ZeroconfAdvertiser.InstanceNameProblem(name), StringComparison.Ordinal);
        Assert.Null(ZeroconfAdvertiser.InstanceNameProblem("faster-whisper on Pi. 4"));
    }

    private static ZeroconfAdvertiser Advertiser(int port, IReadOnlyList<IPAddress> addresses, Log log) =>
        new("Test Whisper", 10300, addresses, "testhost.local.", log, new MdnsSettings { Port = port });

    private static async Task<Running> Started(int? port = null, Log? log = null)
    {
        var mdnsPort = port ?? FreeUdpPort();
        var advertiser = Advertiser(mdnsPort, [s_loopback], log ?? Log.Null);
        var stop = new CancellationTokenSource();
        var task = advertiser.RunAsync(stop.Token);
        Assert.True(await advertiser.Ready.WaitAsync(s_wait), "the advertiser did not start");
        var client = new UdpClient(new IPEndPoint(s_loopback, 0));
        return new Running(advertiser, task, stop, client, new IPEndPoint(s_loopback, mdnsPort));
    }

    /// <summary>Hears what is multicast to the group on loopback; bound to the group, so no unicast reaches it.</summary>
    private static Socket GroupListener(int port)
    {
        var group = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        group.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        group.Bind(new IPEndPoint(IPAddress.Parse("224.0.0.251"), port));
        group.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(IPAddress.Parse("224.0.0.251"), s_loopback));
        return group;
    }

    /// <summary>
    /// Another mDNS responder's socket: the mDNS port (so its queries are not legacy ones), bound to
    /// 127.0.0.1, which unicast to that address prefers to the advertiser's 0.0.0.0.
    /// </summary>
    private static Socket MdnsPeer(int port)
    {
        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        peer.Bind(new IPEndPoint(s_loopback, port));
        peer.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, s_loopback.GetAddressBytes());
        return peer;
    }

    /// <summary>A port no socket holds now; the advertiser binds it with address reuse, so a race is harmless to others.</summary>
    private static int FreeUdpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Any, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static byte[] Query(ushort id, DnsType type, string name) =>
        new DnsMessage(id, IsResponse: false, [new DnsQuestion(DnsName.Parse(name), type)], [], []).Encode();

    private static async Task<DnsMessage> NextResponse(Socket socket, Func<DnsMessage, bool>? wanted = null)
    {
        var buffer = new byte[DnsMessage.MaxSize];
        using var timeout = new CancellationTokenSource(s_wait);
        while (true)
        {
            var length = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (DnsMessage.TryDecode(buffer.AsSpan(0, length), out var message, out _) && message.IsResponse && (wanted is null || wanted(message)))
            {
                return message;
            }
        }
    }

    private sealed class Running(ZeroconfAdvertiser advertiser, Task task, CancellationTokenSource stop, UdpClient client, IPEndPoint endpoint)
        : IAsyncDisposable
    {
        public ZeroconfAdvertiser Advertiser => advertiser;

        public Task Task => task;

        public UdpClient Client => client;

        public IPEndPoint Endpoint => endpoint;

        public async Task<DnsMessage> AskAsync(byte[] query)
        {
            await client.SendAsync(query, endpoint);
            var received = await client.ReceiveAsync().WaitAsync(s_wait);
            Assert.Equal(endpoint.Port, received.RemoteEndPoint.Port);
            Assert.True(DnsMessage.TryDecode(received.Buffer, out var reply, out var problem), problem);
            return reply;
        }

        public async ValueTask DisposeAsync()
        {
            if (!stop.IsCancellationRequested)
            {
                await stop.CancelAsync();
                await task.WaitAsync(s_wait);
                client.Dispose();
                stop.Dispose();
            }
        }
    }
}
