using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace FriendLite.Edge.Connections;

/// <summary>
/// The answers the gate gives itself, before a request reaches the HTTP host: the same JSON error
/// shape as every other error (<c>{"detail": "..."}</c>), then the connection closes.
/// </summary>
internal static class GateResponse
{
    public static byte[] Error(int status, string detail, params (string Name, string Value)[] headers)
    {
        using var json = new MemoryStream();
        // As the HTTP host writes its bodies (RequestContext): an apostrophe stays an apostrophe.
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("detail", detail);
            writer.WriteEndObject();
        }

        var head = new StringBuilder(160);
        head.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {Reason(status)}\r\n");
        head.Append("Content-Type: application/json; charset=utf-8\r\n");
        head.Append(CultureInfo.InvariantCulture, $"Content-Length: {json.Length}\r\n");
        head.Append("Connection: close\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        head.Append("\r\n");
        return [.. Encoding.ASCII.GetBytes(head.ToString()), .. json.ToArray()];
    }

    private static string Reason(int status) => status switch
    {
        400 => "Bad Request",
        408 => "Request Timeout",
        413 => "Content Too Large",
        414 => "URI Too Long",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Error",
    };
}
