using System.Net;
using System.Net.Sockets;
using System.Text;
using FriendLite.Edge.Connections;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Connections;

/// <summary>
/// Seeded fuzzing of everything that reads bytes from the network before a handler does: the
/// request-head parser, the chunked decoder, and the live gate with the HTTP host behind it. Every
/// failure names its seed; <c>FRIENDLITE_FUZZ_SEED</c> and <c>FRIENDLITE_FUZZ_CASES</c> run a
/// different or longer campaign (README, Reliability).
/// </summary>
public sealed class GateFuzzTests
{
    private static readonly byte[][] s_requests =
    [
        "GET /health HTTP/1.1\r\nHost: edge.local:8000\r\nUser-Agent: fuzz\r\nAccept: */*\r\n\r\n"u8.ToArray(),
        "POST /auth/jwt/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 31\r\n\r\nusername=a%40b.c&password=wrong"u8.ToArray(),
        "POST /auth/jwt/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n10\r\nusername=a%40b.c\r\nf;x=y\r\n&password=wrong\r\n0\r\nT: v\r\n\r\n"u8.ToArray(),
        "GET /ws_omi?token=abc&device_name=d HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"u8.ToArray(),
        "POST /api/users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a.b.c\r\nContent-Type: application/json\r\nContent-Length: 45\r\n\r\n{\"email\":\"e@x.org\",\"password\":\"long enough\"}"u8.ToArray(),
        "GET /api/conversations?limit=5 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /readiness HTTP/1.1\r\nHost: y\r\nConnection: close\r\n\r\n"u8.ToArray(),
        "HEAD /audio/..%2f..%2fetc%2fpasswd.wav HTTP/1.1\r\nHost: x\r\nRange: bytes=0-\r\n\r\n"u8.ToArray(),
        "DELETE /api/users/abc HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n"u8.ToArray(),
    ];

    [Fact]
    public void MutatedHeads_ParseOrAreRefusedWithAStatus_AndWhatIsForwardedParsesTheSame()
    {
        var cases = Mutator.Cases(20_000);
        var parsed = 0;
        for (var i = 0; i < cases; i++)
        {
            var seed = Mutator.BaseSeed + i;
            var random = new Random(seed);
            var input = Mutator.Mutate(s_requests[random.Next(s_requests.Length)], random);
            try
            {
                parsed += CheckHead(input) ? 1 : 0;
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"seed {seed}: {ex.GetType().Name}: {ex.Message}\ninput: {Escape(input)}");
            }
        }

        Assert.InRange(parsed, cases / 20, cases); // the mutations are not all rejected at the first byte
    }

    [Fact]
    public void MutatedChunkedBodies_DecodeOrAreRefused_NeverReadPastTheirEnd()
    {
        var body = "5\r\nhello\r\n1a;name=value\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nTrailer: x\r\n\r\nNEXT"u8.ToArray();
        for (var i = 0; i < Mutator.Cases(20_000); i++)
        {
            var seed = Mutator.BaseSeed + i;
            var random = new Random(seed);
            var input = Mutator.Mutate(body, random);
            var decoder = new ChunkedBody(64 * 1024);
            try
            {
                var used = 0;
                // In random pieces, as a socket delivers them.
                while (used < input.Length && !decoder.IsComplete)
                {
                    var piece = Math.Min(input.Length - used, random.Next(1, 12));
                    var taken = decoder.Decode(input.AsSpan(used, piece));
                    Assert.InRange(taken, 0, piece);
                    used += taken;
                    Assert.True(taken == piece || decoder.IsComplete, $"seed {seed}: stopped early without ending");
                }

                Assert.InRange(decoder.Decoded.Length, 0, input.Length);
            }
            catch (HeadRefusal refusal)
            {
                Assert.True(refusal.Status is 400 or 413, $"seed {seed}: status {refusal.Status}");
            }
        }
    }

    [Fact]
    public async Task MutatedRequestsAgainstALiveServer_AlwaysGetAStatusOrAClose_InJson_AndTheServerGoesOn()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with
        {
            Connections = o.Connections with
            {
                HeaderTimeout = TimeSpan.FromSeconds(1),
                KeepAliveTimeout = TimeSpan.FromSeconds(1),
                BodyGracePeriod = TimeSpan.FromMilliseconds(500),
                MinBodyBytesPerSecond = 1000,
            },
        });
        var cases = Mutator.Cases(600);
        var next = -1;
        var failures = new List<string>();
        var workers = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < cases)
            {
                var seed = Mutator.BaseSeed + i;
                if (await OneLiveCaseAsync(server.Port, seed) is { } failure)
                {
                    lock (failures)
                    {
                        failures.Add(failure);
                    }
                }
            }
        }));
        await Task.WhenAll(workers);

        Assert.True(failures.Count == 0, string.Join("\n\n", failures.Take(5)));
        using var health = await server.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.False(server.Server.Faulted.IsCancellationRequested);
        await DeviceSupport.WaitForAsync(() => Task.FromResult(server.Server.Gate.Open <= 1 ? "closed" : null), "every fuzz connection to close");
        Assert.Equal(0, server.Server.Sessions.Count);
    }

    private static async Task<string?> OneLiveCaseAsync(int port, int seed)
    {
        var random = new Random(seed);
        var input = Mutator.Mutate(s_requests[random.Next(s_requests.Length)], random);
        var endSending = random.Next(2) == 0;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        try
        {
            for (var sent = 0; sent < input.Length;)
            {
                var piece = Math.Min(input.Length - sent, random.Next(1, 3) == 1 ? input.Length : random.Next(1, 64));
                await socket.SendAsync(input.AsMemory(sent, piece));
                sent += piece;
            }

            if (endSending)
            {
                socket.Shutdown(SocketShutdown.Send);
            }
        }
        catch (SocketException)
        {
            // The gate may close before all of a bad request is sent: what it answered is checked below.
        }

        var answer = await RawHttp.ReadAsync(socket, TimeSpan.FromSeconds(20));
        var problem = !answer.ClosedByServer ? "the server neither answered and closed nor closed within 20 s" : CheckResponses(answer.Text);
        return problem is null ? null : $"seed {seed} (end sending: {endSending}): {problem}\nsent: {Escape(input)}\ngot: {Escape(Encoding.Latin1.GetBytes(answer.Text))}";
    }

    /// <summary>Null when every response is a well-formed HTTP/1.1 response and every error is in the JSON shape.</summary>
    private static string? CheckResponses(string text)
    {
        while (text.Length > 0)
        {
            var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (!text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) || headEnd < 0 || !int.TryParse(text.AsSpan(9, 3), out var status))
            {
                return "not an HTTP/1.1 response";
            }

            var headers = text[..headEnd].Split("\r\n").Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p.Length > 1 ? p[1].Trim() : "");
            text = text[(headEnd + 4)..];
            if (status is >= 100 and < 200)
            {
                continue;
            }

            var length = headers.TryGetValue("content-length", out var value) ? int.Parse(value) : 0;
            if (headers.TryGetValue("transfer-encoding", out var coding))
            {
                return $"a {status} with Transfer-Encoding: {coding} (an empty answer from the host, not one of ours)";
            }

            // The answer to a HEAD has the headers of its body but not the body: the next response follows at once.
            var bodiless = length > 0 && text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal);
            if (status >= 400 && !(headers.TryGetValue("content-type", out var type) && type.StartsWith("application/json", StringComparison.Ordinal)
                && (bodiless || text.Length == 0 || text.StartsWith("{\"detail\":", StringComparison.Ordinal))))
            {
                return $"a {status} without the JSON error shape";
            }

            text = bodiless ? text : text[Math.Min(length, text.Length)..];
        }

        return null;
    }

    /// <summary>True when the head parsed; a refusal must carry a status and a sentence; what is forwarded must mean the same.</summary>
    private static bool CheckHead(byte[] input)
    {
        var span = input.AsSpan(RequestHead.LeadingEmptyLines(input));
        var end = RequestHead.FindEnd(span);
        if (end < 0)
        {
            return false;
        }

        RequestHead head;
        try
        {
            head = RequestHead.Parse(span[..end]);
        }
        catch (HeadRefusal refusal)
        {
            Assert.InRange(refusal.Status, 400, 505);
            Assert.EndsWith(".", refusal.Message, StringComparison.Ordinal);
            return false;
        }

        var forwarded = RequestHead.Parse(head.Rewrite("127.0.0.1:1", PeerStamp.Field, "secret 10.0.0.1 5", head.IsChunked ? 7 : -1));
        Assert.Equal(head.Method, forwarded.Method);
        Assert.Equal(head.Target, forwarded.Target);
        Assert.Equal(head.IsUpgrade, forwarded.IsUpgrade);
        Assert.Equal(head.KeepAlive, forwarded.KeepAlive);
        Assert.False(forwarded.IsChunked);
        Assert.Equal(head.IsChunked ? 7 : head.ContentLength < 0 && head.Method is not ("GET" or "HEAD") ? 0 : head.ContentLength, forwarded.ContentLength);
        Assert.Equal("secret 10.0.0.1 5", forwarded.Field(PeerStamp.Field));
        Assert.Single(forwarded.Fields, f => f.Name.Equals(PeerStamp.Field, StringComparison.OrdinalIgnoreCase));
        return true;
    }

    private static string Escape(byte[] bytes)
    {
        var text = Encoding.Latin1.GetString(bytes[..Math.Min(bytes.Length, 600)]);
        return text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal);
    }
}
