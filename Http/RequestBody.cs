using System.Collections.Specialized;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Web;

namespace FriendLite.Edge.Http;

/// <summary>Reads request bodies with a size limit; malformed or oversized input becomes an <see cref="HttpError"/>.</summary>
internal static class RequestBody
{
    /// <summary>Forms and JSON bodies are small; anything larger is refused with 413.</summary>
    public const int DefaultLimit = 64 * 1024;

    public static async Task<byte[]> ReadAsync(RequestContext context, int limit = DefaultLimit)
    {
        var request = context.Request;
        if (request.ContentLength64 > limit)
        {
            throw TooLarge(context, limit);
        }

        using var body = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        do
        {
            try
            {
                read = await request.InputStream.ReadAsync(chunk, context.CancellationToken);
            }
            catch (HttpListenerException)
            {
                // HttpListener's way of saying the connection ended inside the body.
                read = 0;
            }

            if (body.Length + read > limit)
            {
                throw TooLarge(context, limit);
            }

            body.Write(chunk, 0, read);
        }
        while (read > 0);

        if (request.ContentLength64 > 0 && body.Length < request.ContentLength64)
        {
            // The client closed its side early: what arrived is not the request it announced.
            context.Response.KeepAlive = false;
            throw new HttpError(400, $"The request body ended after {body.Length} of the {request.ContentLength64} bytes its Content-Length announced.");
        }

        return body.ToArray();
    }

    public static async Task<NameValueCollection> ReadFormAsync(RequestContext context)
    {
        RequireContentType(context, "application/x-www-form-urlencoded");
        var text = Utf8(await ReadAsync(context));
        return HttpUtility.ParseQueryString(text);
    }

    public static async Task<T> ReadJsonAsync<T>(RequestContext context, JsonTypeInfo<T> type) where T : class
    {
        RequireContentType(context, "application/json");
        var body = await ReadAsync(context);
        if (body.Length == 0)
        {
            throw new HttpError(400, "A JSON body is required.");
        }

        try
        {
            return JsonSerializer.Deserialize(body, type) ?? throw new HttpError(400, "The JSON body must be an object.");
        }
        catch (JsonException ex)
        {
            throw new HttpError(400, $"The JSON body {Problem(ex, body, type)}.");
        }
    }

    /// <summary>
    /// What is wrong with a body the serializer refused, from the exception's kind and position and
    /// the body itself: its message is the framework's text (a resource key in the AOT build).
    /// </summary>
    private static string Problem(JsonException ex, byte[] body, JsonTypeInfo type)
    {
        if (ex.InnerException is JsonException && ex.LineNumber is { } line && ex.BytePositionInLine is { } position)
        {
            // The reader's error, rethrown with the path: the text is not JSON at all.
            return $"is not valid JSON (at line {line + 1}, byte {position + 1})";
        }

        if (UnknownField(body, type) is { } field)
        {
            return $"has an unknown field '{(field.Length > 40 ? field[..40] + "…" : field)}'";
        }

        return string.IsNullOrEmpty(ex.Path) || ex.Path == "$"
            ? "is not valid JSON of the expected shape (an object)"
            : $"has a value of the wrong type at {ex.Path}";
    }

    /// <summary>The first top-level field that <paramref name="type"/> does not have, when it refuses unknown fields.</summary>
    private static string? UnknownField(byte[] body, JsonTypeInfo type)
    {
        if (type.UnmappedMemberHandling != JsonUnmappedMemberHandling.Disallow)
        {
            return null;
        }

        var reader = new Utf8JsonReader(body);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                if (!type.Properties.Any(p => p.Name == name))
                {
                    return name;
                }

                reader.Read();
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not reached for a body the reader could parse; the caller then says it is of the wrong shape.
        }

        return null;
    }

    private static void RequireContentType(RequestContext context, string expected)
    {
        var actual = context.Request.ContentType?.Split(';')[0].Trim();
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new HttpError(415, $"The body must be {expected}, not {actual ?? "missing"}.");
        }
    }

    private static string Utf8(byte[] body)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            throw new HttpError(400, "The body is not valid UTF-8.");
        }
    }

    private static HttpError TooLarge(RequestContext context, int limit)
    {
        // The rest of the body is not read: the connection cannot be reused.
        context.Response.KeepAlive = false;
        return new HttpError(413, $"The request body is larger than the {limit / 1024} KiB allowed.");
    }
}
