using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FriendLite.Edge.Tests.Support;

/// <summary>What came back on a raw connection: every byte until the server closed it (or the wait ran out).</summary>
internal sealed record RawAnswer(string Text, bool ClosedByServer, TimeSpan Elapsed)
{
    public int Status => Text.Length >= 12 && Text.StartsWith("HTTP/1.", StringComparison.Ordinal) ? int.Parse(Text.AsSpan(9, 3)) : 0;

    public string Body => Text.Contains("\r\n\r\n", StringComparison.Ordinal) ? Text[(Text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..] : "";

    public string? Header(string name) => Text.Split("\r\n").TakeWhile(l => l.Length > 0).Skip(1)
        .Where(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)).Select(l => l[(name.Length + 1)..].Trim()).FirstOrDefault();
}

/// <summary>Speaks HTTP the way an attacker or a sloppy client would: raw bytes on a socket, from any loopback address.</summary>
internal static class RawHttp
{
    public static Socket Connect(int port, string from = "127.0.0.1")
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
        socket.Connect(IPAddress.Loopback, port);
        return socket;
    }

    /// <summary>Sends <paramref name="request"/> (then ends the sending side when asked) and reads until the server closes or <paramref name="wait"/> passes.</summary>
    public static async Task<RawAnswer> SendAsync(int port, string request, bool endSending = false, TimeSpan? wait = null, string from = "127.0.0.1")
    {
        using var socket = Connect(port, from);
        await socket.SendAsync(Encoding.Latin1.GetBytes(request));
        if (endSending)
        {
            socket.Shutdown(SocketShutdown.Send);
        }

        return await ReadAsync(socket, wait ?? TimeSpan.FromSeconds(10));
    }

    public static async Task<RawAnswer> ReadAsync(Socket socket, TimeSpan wait)
    {
        var clock = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(wait);
        var received = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                if (read == 0)
                {
                    return new RawAnswer(Encoding.Latin1.GetString(received.ToArray()), true, clock.Elapsed);
                }

                received.Write(buffer, 0, read);
            }
        }
        catch (OperationCanceledException)
        {
            return new RawAnswer(Encoding.Latin1.GetString(received.ToArray()), false, clock.Elapsed);
        }
        catch (SocketException)
        {
            return new RawAnswer(Encoding.Latin1.GetString(received.ToArray()), true, clock.Elapsed);
        }
    }
}
