using System.Net.Sockets;
using System.Text;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Server;

/// <summary>
/// systemd's notify protocol, spoken by the server itself (no libsystemd): one datagram per
/// message to the socket <c>$NOTIFY_SOCKET</c> names (a path, or an abstract name starting with
/// <c>@</c>), each a few <c>KEY=value</c> lines. Under <c>Type=notify</c> systemd counts the service
/// as started at <c>READY=1</c>, shows <c>STATUS=</c> in <c>systemctl status</c>, restarts it when
/// <c>WATCHDOG=1</c> stops coming for <c>WatchdogSec</c>, and knows a stop has begun at
/// <c>STOPPING=1</c>. Without <c>$NOTIFY_SOCKET</c> (not under systemd) nothing is sent. A message
/// that cannot be sent is logged once and never stops the server.
/// </summary>
internal sealed class SystemdNotifier : IDisposable
{
    private readonly Socket _socket;
    private readonly UnixDomainSocketEndPoint _endPoint;
    private readonly Log _log;
    private int _failed;

    private SystemdNotifier(string address, Log log)
    {
        Address = address;
        _log = log;
        // An abstract socket's name starts with a NUL byte where systemd writes '@'.
        _endPoint = new UnixDomainSocketEndPoint(address[0] == '@' ? "\0" + address[1..] : address);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    }

    /// <summary>Where the messages go, as <c>$NOTIFY_SOCKET</c> named it.</summary>
    public string Address { get; }

    /// <summary>The notifier for <paramref name="address"/> (<c>$NOTIFY_SOCKET</c>); null when there is none.</summary>
    public static SystemdNotifier? Create(string? address, Log log) =>
        string.IsNullOrEmpty(address) || (address[0] != '/' && address[0] != '@') ? null : new SystemdNotifier(address, log);

    /// <summary>
    /// How often systemd wants <c>WATCHDOG=1</c>: <c>$WATCHDOG_USEC</c>, when <c>$WATCHDOG_PID</c>
    /// is absent or names this process; null when there is no watchdog.
    /// </summary>
    public static TimeSpan? WatchdogTimeout(string? microseconds, string? pid) =>
        long.TryParse(microseconds, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var usec) && usec > 0
        && (string.IsNullOrEmpty(pid) || pid == Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            ? TimeSpan.FromMicroseconds(usec)
            : null;

    /// <summary>Sends one message (lines <c>KEY=value</c>); false when it could not be sent.</summary>
    public bool Send(params string[] lines)
    {
        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(string.Join('\n', lines.Select(OneLine))), SocketFlags.None, _endPoint);
            return true;
        }
        catch (SocketException ex)
        {
            if (Interlocked.Exchange(ref _failed, 1) == 0)
            {
                _log.Warn("systemd", "could not notify systemd; the server goes on", ("socket", Address), ("reason", Reasons.Of(ex)));
            }

            return false;
        }
    }

    public void Dispose() => _socket.Dispose();

    /// <summary>A value with a line break would end its field early: STATUS is one line.</summary>
    private static string OneLine(string line) => line.Replace('\n', ' ').Replace('\r', ' ');
}
