using System.Globalization;
using System.Net;
using System.Security.Cryptography;

namespace FriendLite.Edge.Connections;

/// <summary>
/// The field the gate adds to every request it relays: who really connected. It carries a secret
/// made for this process, so a program on the server that connects to the HTTP host's loopback port
/// directly (past the gate and its limits) cannot pose as some other client; it is refused instead.
/// </summary>
internal sealed class PeerStamp
{
    public const string Field = "X-FriendLite-Peer";

    private readonly string _secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    public string Format(IPEndPoint remote) => string.Create(CultureInfo.InvariantCulture, $"{_secret} {remote.Address} {remote.Port}");

    /// <summary>The client's address and port, or null when the field is missing or was not written by this process's gate.</summary>
    public IPEndPoint? Read(string? value)
    {
        var parts = value?.Split(' ');
        if (parts is not { Length: 3 } || !CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(parts[0]), System.Text.Encoding.ASCII.GetBytes(_secret)))
        {
            return null;
        }

        return IPAddress.TryParse(parts[1], out var address) && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? new IPEndPoint(address, port)
            : null;
    }
}
