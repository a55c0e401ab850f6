using System.Net;
using System.Text;

namespace FriendLite.Edge.Http;

/// <summary>One part of a multipart/form-data body: its field name, its file name when it is a file, its declared type.</summary>
internal sealed record MultipartSection(string Name, string? FileName, string? ContentType);

/// <summary>
/// A streaming multipart/form-data reader (RFC 7578 over RFC 2046): parts are read one at a time
/// and each body is copied to where the caller says as it arrives, through one fixed buffer, so an
/// upload of any size costs the same memory. Bounded: the whole body (<c>maxBytes</c>, 413 past
/// it), each part's headers, the number of parts. Malformed input is a 400 in words.
/// </summary>
internal sealed partial class MultipartReader
{
    public const int DefaultMaxHeaderBytes = 16 * 1024;
    public const int DefaultMaxParts = 100;
    private const int BufferBytes = 64 * 1024;

    private readonly Stream _body;
    private readonly byte[] _delimiter;
    private readonly long _maxBytes;
    private readonly int _maxHeaderBytes;
    private readonly int _maxParts;
    private readonly byte[] _buffer = new byte[BufferBytes];
    private int _start;
    private int _end;
    private bool _eof;
    private int _parts;
    private State _state = State.Preamble;

    public MultipartReader(Stream body, string boundary, long maxBytes, int maxHeaderBytes = DefaultMaxHeaderBytes, int maxParts = DefaultMaxParts)
    {
        _body = body;
        _delimiter = Encoding.ASCII.GetBytes("\r\n--" + boundary);
        _maxBytes = maxBytes;
        _maxHeaderBytes = Math.Min(maxHeaderBytes, BufferBytes / 2);
        _maxParts = maxParts;
        // The first delimiter may open the body without the CRLF that precedes every other one.
        _buffer[0] = (byte)'\r';
        _buffer[1] = (byte)'\n';
        _end = 2;
    }

    private enum State
    {
        Preamble,
        Body,
        Headers,
        Done,
    }

    /// <summary>Bytes of the body read so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>
    /// The next part's headers, skipping whatever of the current part was not read; null after the
    /// closing delimiter (the epilogue is read and dropped, so the connection can carry the next request).
    /// </summary>
    public async Task<MultipartSection?> ReadSectionAsync(CancellationToken cancellationToken)
    {
        if (_state is State.Preamble or State.Body)
        {
            await CopyUntilDelimiterAsync(null, long.MaxValue, cancellationToken);
        }

        if (_state == State.Done)
        {
            await DrainAsync(cancellationToken);
            return null;
        }

        if (++_parts > _maxParts)
        {
            throw new HttpError(400, $"The upload has more than {_maxParts} parts: send at most {_maxParts} files at once.");
        }

        var section = Parse(await ReadHeaderBlockAsync(cancellationToken));
        _state = State.Body;
        return section;
    }

    /// <summary>
    /// Copies the current part's body to <paramref name="destination"/> (null: drops it); returns its
    /// length. A part longer than <paramref name="limit"/> is a 413 (for small form fields).
    /// </summary>
    public async Task<long> CopyBodyAsync(Stream? destination, CancellationToken cancellationToken, long limit = long.MaxValue) =>
        _state == State.Body ? await CopyUntilDelimiterAsync(destination, limit, cancellationToken) : 0;

    /// <summary>A small text field's value (UTF-8), at most <paramref name="maxBytes"/> long.</summary>
    public async Task<string> ReadTextAsync(int maxBytes, CancellationToken cancellationToken)
    {
        using var text = new MemoryStream();
        await CopyBodyAsync(text, cancellationToken, maxBytes);
        return Encoding.UTF8.GetString(text.GetBuffer(), 0, (int)text.Length);
    }

    /// <summary>Copies bytes up to the next delimiter, then reads past it: afterwards the state is <see cref="State.Headers"/> or <see cref="State.Done"/>.</summary>
    private async Task<long> CopyUntilDelimiterAsync(Stream? destination, long limit, CancellationToken cancellationToken)
    {
        long copied = 0;
        while (true)
        {
            var found = _buffer.AsSpan(_start, _end - _start).IndexOf(_delimiter);
            // Without a delimiter, all but its length minus one can go: a delimiter may begin in those last bytes.
            var take = found >= 0 ? found : Math.Max(0, _end - _start - (_delimiter.Length - 1));
            if (copied + take > limit)
            {
                throw new HttpError(413, $"A form field of the upload is longer than {limit} bytes.");
            }

            if (take > 0 && destination is not null)
            {
                await destination.WriteAsync(_buffer.AsMemory(_start, take), cancellationToken);
            }

            copied += take;
            _start += take;
            if (found >= 0)
            {
                _start += _delimiter.Length;
                await ReadAfterDelimiterAsync(cancellationToken);
                return copied;
            }

            if (!await ReadMoreAsync(cancellationToken))
            {
                throw Malformed(_state == State.Preamble ? "has no part with the boundary its Content-Type names" : "ended before its closing boundary");
            }
        }
    }

    /// <summary>After a delimiter: <c>--</c> closes the body; otherwise optional spaces and a CRLF open the next part's headers.</summary>
    private async Task ReadAfterDelimiterAsync(CancellationToken cancellationToken)
    {
        if (!await EnsureAsync(2, cancellationToken))
        {
            throw Malformed("ended right after a boundary");
        }

        if (_buffer[_start] == '-' && _buffer[_start + 1] == '-')
        {
            _start += 2;
            _state = State.Done;
            return;
        }

        while (true)
        {
            if (!await EnsureAsync(2, cancellationToken))
            {
                throw Malformed("ended right after a boundary");
            }

            if (_buffer[_start] is (byte)' ' or (byte)'\t')
            {
                _start++;
                continue;
            }

            if (_buffer[_start] != '\r' || _buffer[_start + 1] != '\n')
            {
                throw Malformed("has a boundary line with text after the boundary");
            }

            _start += 2;
            _state = State.Headers;
            return;
        }
    }

    /// <summary>A part's header lines, up to the empty line that ends them.</summary>
    private async Task<string> ReadHeaderBlockAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var window = _buffer.AsSpan(_start, _end - _start);
            if (window.StartsWith("\r\n"u8))
            {
                _start += 2;
                return "";
            }

            var end = window.IndexOf("\r\n\r\n"u8);
            if (end >= 0 && end <= _maxHeaderBytes)
            {
                var text = Encoding.UTF8.GetString(window[..end]);
                _start += end + 4;
                return text;
            }

            if (window.Length > _maxHeaderBytes)
            {
                throw Malformed($"has a part whose headers are longer than {_maxHeaderBytes / 1024} KiB");
            }

            if (!await ReadMoreAsync(cancellationToken))
            {
                throw Malformed("ended inside a part's headers");
            }
        }
    }

    /// <summary>Makes at least <paramref name="count"/> unread bytes available; false when the body ends first.</summary>
    private async Task<bool> EnsureAsync(int count, CancellationToken cancellationToken)
    {
        while (_end - _start < count)
        {
            if (!await ReadMoreAsync(cancellationToken))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Reads more of the body behind what is unread; false at its end.</summary>
    private async Task<bool> ReadMoreAsync(CancellationToken cancellationToken)
    {
        if (_eof)
        {
            return false;
        }

        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        int read;
        try
        {
            read = await _body.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        }
        catch (HttpListenerException)
        {
            // HttpListener's way of saying the connection ended inside the body.
            read = 0;
        }

        if (read == 0)
        {
            _eof = true;
            return false;
        }

        BytesRead += read;
        if (BytesRead > _maxBytes)
        {
            throw new HttpError(413, $"The upload is larger than the {DescribeSize(_maxBytes)} the server accepts (--max-upload-size).");
        }

        _end += read;
        return true;
    }

    /// <summary>Reads and drops the epilogue after the closing delimiter.</summary>
    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        _start = _end;
        while (await ReadMoreAsync(cancellationToken))
        {
            _start = _end;
        }
    }

    private static HttpError Malformed(string problem) =>
        new(400, $"The multipart body {problem}: send the files as multipart/form-data, e.g. curl -F files=@recording.wav.");
}
