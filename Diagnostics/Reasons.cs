using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;

namespace FriendLite.Edge.Diagnostics;

/// <summary>
/// Why something failed, in our words, for the sentences and log lines a person reads. A framework
/// exception's <see cref="Exception.Message"/> is never put there as it is: its wording changes
/// between .NET versions, and a build with <c>UseSystemResourceKeys</c> has only resource keys
/// (<c>IO_FileNotFound_FileName, /x</c>). The kinds a user can meet are told apart by type, errno
/// (an <see cref="IOException"/>'s HResult on Unix) or error code; the answer is a short phrase
/// without a full stop, to put in parentheses or after a colon.
/// </summary>
internal static class Reasons
{
    /// <summary>The reason for <paramref name="exception"/>; our own exceptions' messages are already ours and are kept.</summary>
    public static string Of(Exception exception) => exception switch
    {
        FileNotFoundException or DirectoryNotFoundException => "no such file or directory",
        PathTooLongException => "the path is too long",
        EndOfStreamException => "the file ends too early",
        UnauthorizedAccessException { InnerException: IOException inner } when Errno(inner.HResult) is { } text => text,
        UnauthorizedAccessException => "permission denied",
        SocketException socket => Of(socket.SocketErrorCode),
        WebSocketException webSocket => Of(webSocket),
        HttpRequestException http => Of(http),
        JsonException json => Json(json),
        IOException io when Errno(io.HResult) is { } text => text,
        IOException { InnerException: { } inner } => Of(inner),
        TimeoutException => Kept(exception, "it timed out"),
        OperationCanceledException => Kept(exception, "it was cancelled"),
        _ => Kept(exception, null),
    };

    /// <summary>A socket error in words.</summary>
    public static string Of(SocketError error) => error switch
    {
        SocketError.AddressAlreadyInUse => "the address is already in use",
        SocketError.AddressNotAvailable => "it is not an address of this machine",
        SocketError.AccessDenied => "permission denied",
        SocketError.ConnectionRefused => "the connection was refused (is the server running?)",
        SocketError.ConnectionReset => "the connection was reset by the other side",
        SocketError.ConnectionAborted => "the connection was aborted",
        SocketError.HostNotFound or SocketError.NoData => "no host has that name",
        SocketError.TryAgain => "the name could not be looked up (no answer from DNS)",
        SocketError.TimedOut => "it timed out",
        SocketError.NetworkUnreachable or SocketError.NetworkDown => "the network is unreachable",
        SocketError.HostUnreachable or SocketError.HostDown => "the host is unreachable",
        SocketError.TooManyOpenSockets => "too many open files",
        SocketError.Shutdown or SocketError.NotConnected or SocketError.OperationAborted or SocketError.Interrupted => "the connection was closed",
        SocketError.AddressFamilyNotSupported => "this machine does not support that kind of address",
        _ => $"network error {Words(error.ToString())}",
    };

    /// <summary>Where a JSON text went wrong, from the reader's position (0-based in the exception, 1-based here).</summary>
    public static string Json(JsonException exception) => exception.LineNumber is { } line && exception.BytePositionInLine is { } position
        ? $"invalid JSON at line {line + 1}, byte {position + 1}"
        : "invalid JSON";

    /// <summary>What errno an <see cref="IOException"/> carries on Unix (its HResult), in words; null when it carries none we know.</summary>
    private static string? Errno(int hresult) => hresult switch
    {
        1 or 13 => "permission denied", // EPERM, EACCES
        2 => "no such file or directory", // ENOENT
        5 => "an input/output error from the disk", // EIO
        11 => "it is locked by another process", // EAGAIN
        17 => "it already exists", // EEXIST
        20 => "a part of the path is not a directory", // ENOTDIR
        21 => "it is a directory", // EISDIR
        23 or 24 => "too many open files", // ENFILE, EMFILE
        28 => "no space left on the disk", // ENOSPC
        30 => "the file system is read-only", // EROFS
        36 => "the name is too long", // ENAMETOOLONG
        39 => "the directory is not empty", // ENOTEMPTY
        122 => "the disk quota is used up", // EDQUOT
        _ => null,
    };

    private static string Of(WebSocketException exception) => exception.WebSocketErrorCode switch
    {
        WebSocketError.ConnectionClosedPrematurely => "the connection closed without a WebSocket close handshake",
        WebSocketError.HeaderError => "a WebSocket header of the upgrade is missing or wrong",
        WebSocketError.NotAWebSocket => "the request is not a WebSocket upgrade",
        WebSocketError.UnsupportedVersion => "the WebSocket version is not supported",
        WebSocketError.UnsupportedProtocol => "the WebSocket subprotocol is not supported",
        WebSocketError.InvalidMessageType => "a WebSocket message of an unexpected type",
        WebSocketError.InvalidState => "the WebSocket is already closed",
        _ when exception.InnerException is { } inner => Of(inner),
        _ => "the WebSocket connection failed",
    };

    private static string Of(HttpRequestException exception) => exception switch
    {
        { StatusCode: { } status } => $"HTTP {(int)status}",
        { InnerException: SocketException or IOException or HttpRequestException } => Of(exception.InnerException),
        { HttpRequestError: HttpRequestError.NameResolutionError } => "no host has that name",
        { HttpRequestError: HttpRequestError.SecureConnectionError } => "the TLS handshake failed",
        { HttpRequestError: HttpRequestError.ResponseEnded } => "the server closed the connection before it answered",
        { HttpRequestError: HttpRequestError.ConnectionError } => "could not connect",
        { HttpRequestError: HttpRequestError.InvalidResponse } => "the server's answer is not valid HTTP",
        _ => "the HTTP request failed",
    };

    /// <summary>
    /// Any other exception: ours carry a sentence; a framework one without a mapping keeps its text
    /// when it is words, and is named by its type when the build stripped the text to a key.
    /// </summary>
    private static string Kept(Exception exception, string? fallback)
    {
        var message = exception.Message.TrimEnd('.');
        return message.Length == 0 || LooksLikeResourceKey(message)
            ? fallback ?? $"an unexpected {Words(exception.GetType().Name.Replace("Exception", "", StringComparison.Ordinal))} error"
            : message;
    }

    /// <summary>True for a resource key as <c>UseSystemResourceKeys</c> leaves it: one word with an underscore or many humps first.</summary>
    internal static bool LooksLikeResourceKey(string message)
    {
        var first = message.AsSpan();
        var end = first.IndexOfAny(", ");
        first = end < 0 ? first : first[..end];
        var humps = 0;
        foreach (var c in first[1..])
        {
            humps += char.IsUpper(c) ? 1 : 0;
        }

        return first.Length > 3 && (first.Contains('_') || (char.IsUpper(first[0]) && humps >= 3 && !first.ContainsAny(".'/:")));
    }

    /// <summary><c>ConnectionAborted</c> as <c>connection aborted</c>.</summary>
    private static string Words(string pascal)
    {
        var words = new System.Text.StringBuilder(pascal.Length + 8);
        foreach (var c in pascal)
        {
            if (char.IsUpper(c) && words.Length > 0)
            {
                words.Append(' ');
            }

            words.Append(char.ToLowerInvariant(c));
        }

        return words.ToString();
    }
}
