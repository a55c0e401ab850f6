using System.Net;
using System.Net.Sockets;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.HomeAssistant;

/// <summary>Where mDNS is spoken; tests move it to a port of their own.</summary>
internal sealed record MdnsSettings
{
    public int Port { get; init; } = 5353;

    public IPAddress Group { get; init; } = IPAddress.Parse("224.0.0.251");

    /// <summary>RFC 6762 §8.3: the second announcement follows the first after one second.</summary>
    public TimeSpan AnnounceInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Advertises one <c>_wyoming._tcp</c> service by multicast DNS so Home Assistant finds the server
/// (RFC 6762, 6763): binds the mDNS port beside any other responder (avahi-daemon), joins the group on
/// each interface of the announced addresses, announces twice, answers queries, and says goodbye
/// (TTL 0) when cancelled. It owns its one socket; <see cref="RunAsync"/> is a child of the server's
/// root group. A network fault is a warning and the end of advertising, never an exception: the
/// server is still reachable by host and port.
/// </summary>
internal sealed partial class ZeroconfAdvertiser
{
    public const string ServiceType = "_wyoming._tcp.local.";

    private const string Component = "zeroconf";
    private const string Fallback = "add the server to Home Assistant by host and port";

    private readonly ServiceRecords _records;
    private readonly IReadOnlyList<IPAddress> _addresses;
    private readonly Log _log;
    private readonly MdnsSettings _settings;
    private readonly TaskCompletionSource<bool> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _sending = new();
    private readonly int _port;
    private long _malformed;
    private long _lastMulticast = long.MinValue / 2;

    /// <param name="instanceName">The name Home Assistant shows; see <see cref="InstanceNameProblem"/>.</param>
    /// <param name="port">The Wyoming server's TCP port.</param>
    /// <param name="addresses">IPv4 addresses to announce, usually <see cref="AddressesFor"/>'s.</param>
    /// <param name="hostName">This host's name in .local, usually <see cref="LocalHostName"/>.</param>
    /// <param name="log">Warnings when advertising cannot start or stops; malformed packets at debug level.</param>
    /// <param name="settings">The mDNS port and group; the standard ones when null.</param>
    public ZeroconfAdvertiser(string instanceName, int port, IReadOnlyList<IPAddress> addresses, string hostName, Log log, MdnsSettings? settings = null)
    {
        if (InstanceNameProblem(instanceName) is { } problem)
        {
            throw new ArgumentException(problem, nameof(instanceName));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, ushort.MaxValue);
        _addresses = [.. addresses.Where(a => a.AddressFamily == AddressFamily.InterNetwork)];
        _records = new ServiceRecords(instanceName, ServiceType, (ushort)port, DnsName.Parse(hostName));
        _port = port;
        _log = log;
        _settings = settings ?? new MdnsSettings();
    }

    /// <summary>True once the socket is bound and in the group; false when advertising gave up.</summary>
    public Task<bool> Ready => _ready.Task;

    /// <summary>Packets ignored because they were not DNS messages one could read.</summary>
    public long MalformedPackets => Interlocked.Read(ref _malformed);

    /// <summary>Why a name cannot be an instance name, in a sentence; null when it can.</summary>
    public static string? InstanceNameProblem(string name) =>
        string.IsNullOrWhiteSpace(name) ? "the zeroconf name must not be empty"
        : System.Text.Encoding.UTF8.GetByteCount(name) > DnsName.MaxLabelBytes ? $"the zeroconf name '{name}' is longer than {DnsName.MaxLabelBytes} bytes"
        : name.Any(char.IsControl) ? "the zeroconf name must not hold control characters"
        : null;

    /// <summary>Advertises until <paramref name="cancellationToken"/> is cancelled, then says goodbye.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var socket = Open();
        var links = socket is null ? [] : Join(socket);
        if (socket is null || links.Count == 0)
        {
            _ready.TrySetResult(false);
            return;
        }

        _ready.TrySetResult(true);
        _log.Info(Component, "advertising", ("instance", _records.Instance), ("port", _port), ("addresses", string.Join(',', _addresses)));
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var receiving = ReceiveAsync(socket, links, stopping.Token);
        try
        {
            for (var i = 0; i < 2; i++)
            {
                Announce(socket, links, goodbye: false);
                if (i == 0)
                {
                    await Task.Delay(_settings.AnnounceInterval, stopping.Token);
                }
            }

            _log.Debug(Component, "announced", ("instance", _records.Instance));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }

        await receiving;
        await stopping.CancelAsync();
        Announce(socket, links, goodbye: true);
        _log.Info(Component, "said goodbye", ("instance", _records.Instance));
    }

    private Socket? Open()
    {
        if (_addresses.Count == 0)
        {
            _log.Warn(Component, $"no IPv4 address to announce; {Fallback}");
            return null;
        }

        Socket? socket = null;
        try
        {
            socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

            // Address reuse lets avahi-daemon (or another responder) keep the port beside us.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.Any, _settings.Port));
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.PacketInformation, true);
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 255);
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, true);
            return socket;
        }
        catch (SocketException ex)
        {
            _log.Warn(Component, $"could not bind UDP {_settings.Port} ({Reasons.Of(ex)}); {Fallback}");
            socket?.Dispose();
            return null;
        }
    }

    /// <summary>Joins the group once on each interface that holds an announced address.</summary>
    private List<Link> Join(Socket socket)
    {
        var links = new List<Link>();
        foreach (var link in Links(_addresses))
        {
            try
            {
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(_settings.Group, link.Addresses[0]));
                links.Add(link);
            }
            catch (SocketException ex)
            {
                _log.Warn(Component, $"could not join the mDNS group on {link.Addresses[0]} ({Reasons.Of(ex)})");
            }
        }

        if (links.Count == 0)
        {
            _log.Warn(Component, $"could not join the mDNS group on any interface; {Fallback}");
        }

        return links;
    }

    private async Task ReceiveAsync(Socket socket, List<Link> links, CancellationToken cancellationToken)
    {
        var buffer = new byte[DnsMessage.MaxSize];
        while (!cancellationToken.IsCancellationRequested)
        {
            SocketReceiveMessageFromResult received;
            try
            {
                received = await socket.ReceiveMessageFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                _log.Warn(Component, $"stopped answering queries ({Reasons.Of(ex)}); {Fallback}");
                return;
            }

            try
            {
                await HandleAsync(socket, links, buffer.AsMemory(0, received.ReceivedBytes), received, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                // One reply that could not be sent (an unreachable querier) is not the end of advertising.
                _log.Refusal(LogLevel.Debug, "zeroconf-reply", Component, "could not reply", ("to", received.RemoteEndPoint), ("reason", Reasons.Of(ex)));
            }
        }
    }

    private async Task HandleAsync(Socket socket, List<Link> links, ReadOnlyMemory<byte> packet,
        SocketReceiveMessageFromResult received, CancellationToken cancellationToken)
    {
        var from = (IPEndPoint)received.RemoteEndPoint;
        var problem = "larger than an mDNS message";
        if ((received.SocketFlags & SocketFlags.Truncated) != 0 || !DnsMessage.TryDecode(packet.Span, out var query, out problem))
        {
            Interlocked.Increment(ref _malformed);
            _log.Refusal(LogLevel.Debug, "zeroconf-malformed", Component, "ignored a malformed packet", ("from", from), ("problem", problem));
            return;
        }

        // A link is told only its own addresses; a multicast query from a link we do not advertise on
        // (the socket hears those when another responder joined the group there) is not ours to answer.
        var link = links.Find(l => l.Index == received.PacketInformation.Interface)
            ?? (links is [{ Index: < 0 } only] ? only : null);
        var legacy = from.Port != _settings.Port;
        var unicast = legacy || query.Questions.Any(q => q.UnicastResponse);
        if ((link is null && !unicast) || _records.Answer(query, legacy, link?.Addresses ?? _addresses) is not { } answer)
        {
            return;
        }

        var reply = answer.Encode();
        if (unicast)
        {
            await socket.SendToAsync(reply, SocketFlags.None, from, cancellationToken);

            // RFC 6762 §5.4: a QU question still gets a multicast answer when the link's caches have not
            // heard ours for a quarter of its TTL. It also reaches a querier whose port we share: the
            // kernel may hand a unicast datagram for 5353 to our socket instead of theirs.
            if (legacy || Environment.TickCount64 - Interlocked.Read(ref _lastMulticast) < ServiceRecords.HostTtl * 1000 / 4)
            {
                return;
            }
        }

        if (link is not null)
        {
            SendMulticast(socket, link, reply);
        }
    }

    private void Announce(Socket socket, List<Link> links, bool goodbye)
    {
        foreach (var link in links)
        {
            try
            {
                SendMulticast(socket, link, _records.Announcement(goodbye, link.Addresses).Encode());
            }
            catch (SocketException ex)
            {
                // A link that went down; the others are still told, and queries still answered.
                _log.Warn(Component, goodbye ? "could not say goodbye" : "could not announce", ("on", link.Addresses[0]), ("reason", Reasons.Of(ex)));
            }
        }
    }

    /// <summary>
    /// The interface is a socket-wide option, so choosing it and sending are one step under a lock;
    /// a datagram send does not block.
    /// </summary>
    private void SendMulticast(Socket socket, Link link, byte[] message)
    {
        lock (_sending)
        {
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, link.Addresses[0].GetAddressBytes());
            socket.SendTo(message, SocketFlags.None, new IPEndPoint(_settings.Group, _settings.Port));
            Interlocked.Exchange(ref _lastMulticast, Environment.TickCount64);
        }
    }
}
