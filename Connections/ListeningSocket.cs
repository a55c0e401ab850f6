using System.Net;
using System.Net.Sockets;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Connections;

/// <summary>
/// A listening TCP socket on an address the user gave, or a <see cref="StartupException"/> whose one
/// sentence says why not and which flags chose it. Every port the server opens (the public one,
/// <c>--metrics-listen</c>'s, <c>--wyoming-listen</c>'s) is bound here, so each refuses to share its
/// port with a second server the same way.
/// </summary>
internal static class ListeningSocket
{
    /// <summary>Binds and listens on <paramref name="host"/>:<paramref name="port"/> (0: a free port).</summary>
    public static Socket Bind(string host, int port, string hostFlag, string portFlag)
    {
        var address = Resolve(host, hostFlag);
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.Equals(IPAddress.IPv6Any))
            {
                listener.DualMode = true;
            }

            // .NET on Linux otherwise lets a second listener share the port (SO_REUSEPORT): a second server must fail instead.
            listener.ExclusiveAddressUse = true;
            listener.Bind(new IPEndPoint(address, port));
            listener.Listen(512);
        }
        catch (SocketException ex)
        {
            listener.Dispose();
            throw new StartupException(
                ex.SocketErrorCode switch
                {
                    SocketError.AddressAlreadyInUse => $"Port {port} on {host} is already in use by another program: stop it or choose another port with {portFlag}.",
                    SocketError.AddressNotAvailable => $"Cannot listen on {host}:{port}: it is not an address of this machine; check {hostFlag}.",
                    SocketError.AccessDenied => $"Cannot listen on {host}:{port}: ports below 1024 need root or the CAP_NET_BIND_SERVICE capability; choose another with {portFlag}.",
                    _ => $"Cannot listen on {host}:{port} ({Reasons.Of(ex)}): check {(hostFlag == portFlag ? hostFlag : $"{hostFlag} and {portFlag}")}.",
                },
                ex);
        }

        return listener;
    }

    /// <summary>
    /// The next connection; null once <paramref name="stopped"/> says the listener was closed on
    /// purpose. A failed accept (out of descriptors, a client that reset before it was accepted) is
    /// handed to <paramref name="failed"/> and retried after a short pause: the port keeps accepting.
    /// </summary>
    public static async Task<Socket?> AcceptAsync(Socket listener, Func<bool> stopped, Action<SocketException> failed)
    {
        while (true)
        {
            try
            {
                return await listener.AcceptAsync();
            }
            catch (Exception) when (stopped())
            {
                return null;
            }
            catch (SocketException ex)
            {
                failed(ex);
                await Task.Delay(50);
            }
        }
    }

    private static IPAddress Resolve(string host, string hostFlag)
    {
        if (host is "0.0.0.0" or "*" or "+")
        {
            return IPAddress.Any;
        }

        if (host is "::" or "[::]")
        {
            return IPAddress.IPv6Any;
        }

        if (IPAddress.TryParse(host.Trim('[', ']'), out var address))
        {
            return address;
        }

        IPAddress[] addresses;
        try
        {
            addresses = Dns.GetHostAddresses(host);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData)
        {
            throw new StartupException($"Cannot listen on {host}: it is not an IP address and no host has that name; check {hostFlag}.", ex);
        }
        catch (Exception ex) when (ex is SocketException or ArgumentException)
        {
            throw new StartupException($"Cannot listen on {host}: the name could not be looked up ({Reasons.Of(ex)}); check {hostFlag}.", ex);
        }

        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault()
            ?? throw new StartupException($"Cannot listen on {host}: the name has no address; check {hostFlag}.");
    }
}
