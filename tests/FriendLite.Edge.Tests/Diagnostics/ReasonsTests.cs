using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Tests.Diagnostics;

/// <summary>
/// Our reasons for framework exceptions come from their kind (type, errno, error code), never from
/// their text: here each carries the resource key a build with <c>UseSystemResourceKeys</c> would
/// give it, and the reason is still our sentence.
/// </summary>
public sealed class ReasonsTests
{
    public static TheoryData<Exception, string> Cases => new()
    {
        { new FileNotFoundException("IO_FileNotFound_FileName, /proc/nope"), "no such file or directory" },
        { new DirectoryNotFoundException("IO_PathNotFound_Path, /x/y"), "no such file or directory" },
        { new UnauthorizedAccessException("UnauthorizedAccess_IODenied_Path, /sys/x"), "permission denied" },
        { new IOException("Read-only file system : '/x'", 30), "the file system is read-only" },
        { new IOException("No space left on device : '/x'", 28), "no space left on the disk" },
        { new IOException("Disk quota exceeded", 122), "the disk quota is used up" },
        { new SocketException((int)SocketError.AddressAlreadyInUse), "the address is already in use" },
        { new SocketException((int)SocketError.AddressNotAvailable), "it is not an address of this machine" },
        { new SocketException((int)SocketError.AccessDenied), "permission denied" },
        { new SocketException((int)SocketError.ConnectionRefused), "the connection was refused (is the server running?)" },
        { new WebSocketException(WebSocketError.HeaderError, "net_WebSockets_AcceptHeaderNotFound, Sec-WebSocket-Key"), "a WebSocket header of the upgrade is missing or wrong" },
        { new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "net_WebSockets_ConnectionClosedPrematurely"), "the connection closed without a WebSocket close handshake" },
        { new JsonException("ExpectedStartOfPropertyNotFound, n LineNumber: 0 | BytePositionInLine: 1.", "$", 0, 1), "invalid JSON at line 1, byte 2" },
        { new HttpRequestException(HttpRequestError.ConnectionError, "net_http_client_execution_error", new SocketException((int)SocketError.ConnectionRefused)), "the connection was refused (is the server running?)" },
        { new InvalidOperationException("InvalidOperation_EnumFailedVersion"), "an unexpected invalid operation error" },
        { new TimeoutException("net_timeout"), "it timed out" },
        { new TimeoutException("no connection to wyoming://asr:10300 within 5 s"), "no connection to wyoming://asr:10300 within 5 s" },
        { new InvalidDataException("The model file /m.bin is truncated."), "The model file /m.bin is truncated" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Of_FrameworkExceptionWithAResourceKey_IsOurSentence(Exception exception, string reason) =>
        Assert.Equal(reason, Reasons.Of(exception));

    [Theory]
    [InlineData("IO_FileNotFound_FileName, /proc/nope", true)]
    [InlineData("net_listener_not_supported", true)]
    [InlineData("ExpectedStartOfPropertyNotFound, n LineNumber: 0", true)]
    [InlineData("Could not find file '/proc/nope'.", false)]
    [InlineData("The model file /m.bin is truncated.", false)]
    [InlineData("SQLite Error 13: 'database or disk is full'.", false)]
    public void LooksLikeResourceKey_TellsKeysFromSentences(string message, bool key) =>
        Assert.Equal(key, Reasons.LooksLikeResourceKey(message));
}
