using System.Net;

namespace FriendLite.Edge.Http;

/// <summary>
/// Checks a WebSocket upgrade (RFC 6455 §4.2.1) before it is accepted, so a bad one is refused with
/// a status and a sentence (426 for another protocol version, 400 for a bad key) instead of failing
/// inside the handshake with nothing said.
/// </summary>
internal static class WebSocketHandshake
{
    public const string Version = "13";

    public static void Check(HttpListenerRequest request)
    {
        var version = request.Headers["Sec-WebSocket-Version"];
        if (version != Version)
        {
            throw new HttpError(426, version is null
                ? $"The WebSocket upgrade has no Sec-WebSocket-Version; this server speaks version {Version}."
                : $"This server speaks WebSocket version {Version}, not {version}.")
            {
                Headers = new Dictionary<string, string> { ["Sec-WebSocket-Version"] = Version },
            };
        }

        var key = request.Headers["Sec-WebSocket-Key"];
        if (!IsKey(key))
        {
            throw new HttpError(400, key is null ? "The WebSocket upgrade has no Sec-WebSocket-Key." : "The Sec-WebSocket-Key must be 16 bytes in base64.");
        }
    }

    private static bool IsKey(string? key)
    {
        Span<byte> nonce = stackalloc byte[18];
        return key is { Length: 24 } && Convert.TryFromBase64String(key, nonce, out var length) && length == 16;
    }
}
