
namespace FriendLite.Edge.Connections;

/// <summary>Request bodies through the gate: a known length streams through; a chunked one is decoded whole first.</summary>
internal sealed partial class GatedConnection
{
    private byte[] Rewrite(RequestHead head, long decodedLength = -1) =>
        head.Rewrite(_gate.Upstream!.ToString(), PeerStamp.Field, _gate.Peer.Format(Remote), decodedLength);

    /// <summary>Forwards a body of known length as it arrives; false when the connection cannot carry another request.</summary>
    private async Task<bool> ForwardBodyAsync(RequestHead head, CancellationToken token)
    {
        if (head.ContentLength <= 0)
        {
            return true;
        }

        Enter(Phase.Body);
        var remaining = head.ContentLength;
        while (remaining > 0)
        {
            if (_count == 0 && await ReceiveAsync(token) == 0)
            {
                // The client ended its side before the whole body: the host sees the short body and answers 400.
                return false;
            }

            var take = (int)Math.Min(remaining, _count);
            await ForwardBufferedAsync(take, token);
            remaining -= take;
            Interlocked.Add(ref _bodyBytes, take);
        }

        return true;
    }

    /// <summary>
    /// Reads and decodes a whole chunked body before anything is forwarded, so a malformed or
    /// oversized one is answered here, in JSON; null when it was refused or the client left.
    /// </summary>
    private async Task<MemoryStream?> ReadChunkedAsync(RequestHead head, CancellationToken token)
    {
        if (string.Equals(head.Field("Expect"), "100-continue", StringComparison.OrdinalIgnoreCase))
        {
            await SendAllAsync(_client, "HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), token);
        }

        Enter(Phase.Body);
        var body = new ChunkedBody(Limits.MaxChunkedBodyBytes);
        while (!body.IsComplete)
        {
            if (_count == 0 && await ReceiveAsync(token) == 0)
            {
                return null;
            }

            try
            {
                var take = body.Decode(_buffer.AsSpan(_start, _count));
                Consume(take);
                Interlocked.Add(ref _bodyBytes, take);
            }
            catch (HeadRefusal refusal)
            {
                await RefuseAsync(refusal.Status, refusal.Message, refusal.Headers);
                return null;
            }
        }

        return body.Decoded;
    }
}
