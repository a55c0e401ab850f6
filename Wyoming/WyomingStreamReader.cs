using System.Net.Sockets;
using System.Text;

namespace FriendLite.Edge.Wyoming;

/// <summary>
/// Wyoming's TCP framing, read side: a JSON header line, then <c>data_length</c> and
/// <c>payload_length</c> bytes. Lines and exact byte counts from one stream, with one buffer.
/// </summary>
internal sealed class WyomingStreamReader(NetworkStream stream)
{
    private readonly byte[] _buffer = new byte[8192];
    private int _start;
    private int _end;

    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new List<byte>();
        while (true)
        {
            if (_start == _end && !await FillAsync(cancellationToken))
            {
                return line.Count > 0 ? Encoding.UTF8.GetString(line.ToArray()) : null;
            }

            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                line.AddRange(_buffer.AsSpan(_start, newline - _start));
                _start = newline + 1;
                return Encoding.UTF8.GetString(line.ToArray());
            }

            line.AddRange(_buffer.AsSpan(_start, _end - _start));
            _start = _end;
            if (line.Count > 1 << 20)
            {
                throw new InvalidDataException("a Wyoming header line over 1 MiB");
            }
        }
    }

    public async Task<byte[]> ReadBytesAsync(int count, CancellationToken cancellationToken)
    {
        var result = new byte[count];
        var have = 0;
        while (have < count)
        {
            if (_start == _end && !await FillAsync(cancellationToken))
            {
                throw new IOException("the Wyoming server closed the connection mid-event");
            }

            var take = Math.Min(count - have, _end - _start);
            Array.Copy(_buffer, _start, result, have, take);
            _start += take;
            have += take;
        }

        return result;
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = await stream.ReadAsync(_buffer, cancellationToken);
        return _end > 0;
    }
}
