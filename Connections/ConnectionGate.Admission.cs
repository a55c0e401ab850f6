using System.Net;
using System.Net.Sockets;

namespace FriendLite.Edge.Connections;

/// <summary>Admission: each accepted connection is counted against the caps, or answered and closed at once.</summary>
internal sealed partial class ConnectionGate
{
    public void Release(GatedConnection connection)
    {
        lock (_gate)
        {
            if (!_open.Remove(connection))
            {
                return;
            }

            var address = connection.Remote.Address;
            if (--_perAddress[address] == 0)
            {
                _perAddress.Remove(address);
            }
        }
    }

    private GatedConnection? Admit(Socket socket)
    {
        IPEndPoint remote;
        try
        {
            remote = Normalize((IPEndPoint)socket.RemoteEndPoint!);
        }
        catch (SocketException)
        {
            socket.Dispose(); // reset before we looked at it
            return null;
        }

        ConnectionEnd? refusal = null;
        GatedConnection? connection = null;
        lock (_gate)
        {
            _perAddress.TryGetValue(remote.Address, out var fromAddress);
            if (_open.Count >= Limits.MaxConnections)
            {
                refusal = ConnectionEnd.ServerFull;
            }
            else if (fromAddress >= Limits.MaxConnectionsPerAddress)
            {
                refusal = ConnectionEnd.AddressFull;
            }
            else
            {
                connection = new GatedConnection(socket, remote, this);
                _open.Add(connection);
                _perAddress[remote.Address] = fromAddress + 1;
            }
        }

        if (refusal is { } end)
        {
            var detail = end == ConnectionEnd.ServerFull
                ? $"The server already holds its maximum of {Limits.MaxConnections} connections; try again later."
                : $"Your address already holds its maximum of {Limits.MaxConnectionsPerAddress} connections to this server; close some and try again.";
            Counters.Count(end, remote.Address.ToString(), detail);
            RefuseAtOnce(socket, GateResponse.Error(end == ConnectionEnd.ServerFull ? 503 : 429, detail, ("Retry-After", "5")));
        }

        return connection;
    }

    /// <summary>Answers and closes without waiting on the client: the answer fits the socket's send buffer, and a client that does not read it loses only its own answer.</summary>
    private static void RefuseAtOnce(Socket socket, byte[] answer)
    {
        try
        {
            socket.Blocking = false;
            socket.Send(answer, SocketFlags.None, out _);
            // Unread request bytes would make close() send a reset that can overtake the answer.
            var sink = new byte[4096];
            while (socket.Available > 0 && socket.Receive(sink, SocketFlags.None, out var error) > 0 && error == SocketError.Success)
            {
            }

            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The client is already gone.
        }
        finally
        {
            socket.Dispose();
        }
    }

    private static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;
}
