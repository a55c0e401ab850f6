namespace FriendLite.Edge.Connections;

/// <summary>
/// Decodes a chunked request body (RFC 9112 §7.1) as its bytes arrive, strictly (CRLF line ends,
/// hex sizes, bounded extensions and trailers), and stops exactly where the body ends so the bytes
/// after it stay for the next request. The gate forwards the decoded body with a Content-Length,
/// so the HTTP host behind it never parses chunks itself.
/// </summary>
internal sealed class ChunkedBody(long maxBytes)
{
    private const int MaxLineBytes = 1024;
    private const int MaxTrailerBytes = 8 * 1024;

    private State _state = State.Size;
    private long _remaining;
    private int _sizeDigits;
    private int _lineBytes;
    private int _trailerBytes;

    private enum State
    {
        Size,
        Extension,
        SizeLineFeed,
        Data,
        DataCarriageReturn,
        DataLineFeed,
        TrailerLineStart,
        TrailerLine,
        TrailerLineFeed,
        FinalLineFeed,
        Done,
    }

    public bool IsComplete => _state == State.Done;

    /// <summary>The decoded body so far.</summary>
    public MemoryStream Decoded { get; } = new();

    /// <summary>
    /// Decodes from <paramref name="input"/> and returns how many of its bytes were body framing or
    /// data (it stops at the body's end). Throws <see cref="HeadRefusal"/> when the framing is
    /// malformed or the body outgrows the limit.
    /// </summary>
    public int Decode(ReadOnlySpan<byte> input)
    {
        var i = 0;
        while (i < input.Length && _state != State.Done)
        {
            if (_state == State.Data)
            {
                var take = (int)Math.Min(_remaining, input.Length - i);
                Decoded.Write(input.Slice(i, take));
                _remaining -= take;
                i += take;
                if (_remaining == 0)
                {
                    _state = State.DataCarriageReturn;
                }

                continue;
            }

            Step(input[i++]);
        }

        return i;
    }

    private void Step(byte b)
    {
        switch (_state)
        {
            case State.Size when IsHex(b):
                if (++_sizeDigits > 15)
                {
                    throw Malformed("a chunk is too large");
                }

                _remaining = (_remaining * 16) + HexValue(b);
                break;
            case State.Size when _sizeDigits > 0 && b is (byte)';' or (byte)' ' or (byte)'\t':
                _state = State.Extension;
                _lineBytes = 0;
                break;
            case State.Size when _sizeDigits > 0 && b == '\r':
                _state = State.SizeLineFeed;
                break;
            case State.Extension when b == '\r':
                _state = State.SizeLineFeed;
                break;
            case State.Extension when ++_lineBytes <= MaxLineBytes && b != 0:
                break;
            case State.SizeLineFeed when b == '\n':
                EndSizeLine();
                break;
            case State.DataCarriageReturn when b == '\r':
                _state = State.DataLineFeed;
                break;
            case State.DataLineFeed when b == '\n':
                _state = State.Size;
                _sizeDigits = 0;
                _remaining = 0;
                break;
            case State.TrailerLineStart when b == '\r':
                _state = State.FinalLineFeed;
                break;
            case State.FinalLineFeed when b == '\n':
                _state = State.Done;
                break;
            case State.TrailerLineStart when b is not ((byte)'\n' or 0):
            case State.TrailerLine when b is not ((byte)'\r' or (byte)'\n' or 0):
                if (++_trailerBytes > MaxTrailerBytes)
                {
                    throw Malformed("its trailer is too large");
                }

                _state = State.TrailerLine;
                break;
            case State.TrailerLine when b == '\r':
                _state = State.TrailerLineFeed;
                break;
            case State.TrailerLineFeed when b == '\n':
                _state = State.TrailerLineStart;
                break;
            default:
                throw Malformed("its chunk framing is malformed");
        }
    }

    private void EndSizeLine()
    {
        if (Decoded.Length + _remaining > maxBytes)
        {
            // Decoded whole before it is forwarded, so a chunked body stays small; uploads send a Content-Length (curl -F and browsers do).
            throw new HeadRefusal(413, $"The request body is larger than the {maxBytes / 1024} KiB a chunked body may be: send larger bodies with a Content-Length.");
        }

        _state = _remaining == 0 ? State.TrailerLineStart : State.Data;
    }

    private static bool IsHex(byte b) => b is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';

    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;

    private static HeadRefusal Malformed(string why) => new(400, $"The chunked request body is refused: {why}.");
}
