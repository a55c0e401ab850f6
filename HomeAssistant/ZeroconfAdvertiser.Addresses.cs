using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace FriendLite.Edge.HomeAssistant;

/// <summary>Which addresses and host name to announce, read from the machine.</summary>
internal sealed partial class ZeroconfAdvertiser
{
    /// <summary>
    /// The IPv4 addresses to announce for a server listening on <paramref name="listen"/>: that address
    /// when it is a specific IPv4 one; for 0.0.0.0 (or ::) the non-loopback IPv4 addresses of the
    /// interfaces that are up, the one outbound traffic leaves by first (Home Assistant connects to the
    /// first address it reads, as the Python reference announces only that one). Empty when there is none.
    /// </summary>
    public static IReadOnlyList<IPAddress> AddressesFor(IPAddress listen)
    {
        if (listen.IsIPv4MappedToIPv6)
        {
            listen = listen.MapToIPv4();
        }

        if (!listen.Equals(IPAddress.Any) && !listen.Equals(IPAddress.IPv6Any))
        {
            return listen.AddressFamily == AddressFamily.InterNetwork ? [listen] : [];
        }

        var addresses = new List<IPAddress>();
        if (OutboundAddress() is { } outbound)
        {
            addresses.Add(outbound);
        }

        foreach (var address in UpInterfaces().SelectMany(InterfaceAddresses))
        {
            if (!addresses.Contains(address))
            {
                addresses.Add(address);
            }
        }

        return addresses;
    }

    /// <summary>This machine's name in the .local domain, for example <c>raspberrypi.local.</c></summary>
    public static string LocalHostName()
    {
        var name = Dns.GetHostName().Split('.')[0];
        return (string.IsNullOrWhiteSpace(name) ? "friendlite" : name) + ".local.";
    }

    /// <summary>The address a datagram to a public address would leave from; connecting a UDP socket sends nothing.</summary>
    private static IPAddress? OutboundAddress()
    {
        try
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            probe.Connect(new IPEndPoint(IPAddress.Parse("198.51.100.1"), 9));
            return probe.LocalEndPoint is IPEndPoint { Address: var address } && !IPAddress.IsLoopback(address) && !address.Equals(IPAddress.Any)
                ? address
                : null;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static IEnumerable<NetworkInterface> UpInterfaces()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback);
        }
        catch (NetworkInformationException)
        {
            return [];
        }
    }

    private static IEnumerable<IPAddress> InterfaceAddresses(NetworkInterface network) =>
        network.GetIPProperties().UnicastAddresses
            .Select(u => u.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));

    /// <summary>The announced addresses by interface; one whose interface is not known is a link of its own.</summary>
    private static IEnumerable<Link> Links(IReadOnlyList<IPAddress> addresses) =>
        addresses.Select((address, i) => (Address: address, Index: InterfaceIndexOf(address), Order: i))
            .GroupBy(a => a.Index < 0 ? -1 - a.Order : a.Index)
            .Select(g => new Link(g.First().Index, [.. g.Select(a => a.Address)]));

    /// <summary>The index of the interface that holds <paramref name="address"/>, or -1.</summary>
    private static int InterfaceIndexOf(IPAddress address)
    {
        try
        {
            foreach (var network in NetworkInterface.GetAllNetworkInterfaces())
            {
                var properties = network.GetIPProperties();
                if (properties.UnicastAddresses.Any(u => u.Address.Equals(address)))
                {
                    return properties.GetIPv4Properties().Index;
                }
            }
        }
        catch (Exception ex) when (ex is NetworkInformationException or PlatformNotSupportedException)
        {
        }

        return -1;
    }

    /// <summary>One interface the group is joined on: its index (-1 when unknown) and the announced addresses it holds.</summary>
    private sealed record Link(int Index, IPAddress[] Addresses);
}
