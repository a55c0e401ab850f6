using System.Buffers;

namespace FriendLite.Edge.Wyoming;

/// <summary>The most one event may carry: its header line, its extra data and its payload (bytes).</summary>
internal sealed record WyomingLimits(int MaxHeader = 64 * 1024, int MaxData = 64 * 1024, int MaxPayload = 1024 * 1024);

/// <summary>An event read from a stream: the header (its <c>data</c> merged with the extra data block) and its payload.</summary>
internal readonly record struct WyomingMessage(WyomingEvent Event, ReadOnlyMemory<byte> Payload)
{
    public string Type => Event.Type;

    public WyomingData Data => Event.Data;
}

/// <summary>
/// Wyoming's TCP framing, server side: a header line, <c>data_length</c> bytes of JSON merged over
/// its <c>data</c>, then <c>payload_length</c> bytes, each bounded by <see cref="WyomingLimits"/> so
/// a hostile or broken client cannot make the server buffer without end. One per connection; the
/// payload returned is valid until the next read. Malformed or oversized events throw
/// <see cref="FormatException"/> saying what was wrong (the stream cannot be resynchronised after one).
/// </summary>
internal sealed class WyomingEventReader(Stream stream, WyomingLimits limits)
{
    private readonly byte[] _buffer = new byte[16 * 1024];
    private readonly ArrayBufferWriter<byte> _line = new(1024);
    private byte[] _payload = new byte[4096];
    private int _start;
    private int _end;

    /// <summary>Bytes received and not yet read as events.</summary>
    public bool HasBuffered => _start < _end;

    /// <summary>
    /// The next event, or null when the peer closed the connection between events. A close inside an
    /// event is <see cref="EndOfStreamException"/>.
    /// </summary>
    public async Task<WyomingMessage?> ReadAsync(CancellationToken cancellationToken)
    {
        if (!await ReadLineAsync(cancellationToken))
        {
            return null;
        }

        var header = WyomingEvent.Parse(_line.WrittenSpan);
        if (header.DataLength > limits.MaxData)
        {
            throw new FormatException($"'{header.Type}' has {header.DataLength} bytes of data; at most {limits.MaxData} are taken");
        }

        if (header.PayloadLength > limits.MaxPayload)
        {
            throw new FormatException($"'{header.Type}' has a payload of {header.PayloadLength} bytes; at most {limits.MaxPayload} are taken");
        }

        if (header.DataLength > 0)
        {
            EnsurePayloadCapacity(header.DataLength);
            await ReadExactlyAsync(_payload.AsMemory(0, header.DataLength), cancellationToken);
            header = header with { Data = header.Data.MergedWith(WyomingEvent.ParseData(_payload.AsSpan(0, header.DataLength))) };
        }

        EnsurePayloadCapacity(header.PayloadLength);
        var payload = _payload.AsMemory(0, header.PayloadLength);
        await ReadExactlyAsync(payload, cancellationToken);
        return new WyomingMessage(header, payload);
    }

    /// <summary>
    /// Waits until the peer sends something or closes: true when bytes are buffered (the next
    /// <see cref="ReadAsync"/> takes them), false when it closed. Lets a server notice a client that
    /// leaves while it is busy on that client's request.
    /// </summary>
    public async Task<bool> WaitForDataAsync(CancellationToken cancellationToken) =>
        HasBuffered || await FillAsync(cancellationToken);

    private async Task<bool> ReadLineAsync(CancellationToken cancellationToken)
    {
        _line.ResetWrittenCount();
        while (true)
        {
            if (!HasBuffered && !await FillAsync(cancellationToken))
            {
                return _line.WrittenCount == 0 ? false : throw new EndOfStreamException("the connection closed inside an event header");
            }

            var available = _buffer.AsSpan(_start, _end - _start);
            var newline = available.IndexOf((byte)'\n');
            var take = newline >= 0 ? newline : available.Length;
            if (_line.WrittenCount + take > limits.MaxHeader)
            {
                throw new FormatException($"an event header longer than {limits.MaxHeader} bytes (no newline)");
            }

            _line.Write(available[..take]);
            _start += newline >= 0 ? take + 1 : take;
            if (newline >= 0)
            {
                if (_line.WrittenCount > 0)
                {
                    return true;
                }

                // An empty line between events carries nothing: skip it.
            }
        }
    }

    private async Task ReadExactlyAsync(Memory<byte> target, CancellationToken cancellationToken)
    {
        var have = 0;
        while (have < target.Length)
        {
            if (!HasBuffered && !await FillAsync(cancellationToken))
            {
                throw new EndOfStreamException($"the connection closed {target.Length - have} bytes before the end of an event");
            }

            var take = Math.Min(target.Length - have, _end - _start);
            _buffer.AsMemory(_start, take).CopyTo(target[have..]);
            _start += take;
            have += take;
        }
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = 0;
        _end = await stream.ReadAsync(_buffer, cancellationToken);
        return _end > 0;
    }

    private void EnsurePayloadCapacity(int length)
    {
        if (_payload.Length < length)
        {
            _payload = new byte[Math.Max(length, _payload.Length * 2)];
        }
    }
}
