namespace FriendLite.Edge.Audio;

/// <summary>The last <c>capacity</c> samples of a stream (a pre-roll), without moving memory per write.</summary>
internal sealed class SampleRing(int capacity)
{
    private readonly short[] _buffer = new short[capacity];
    private int _next;
    private int _count;

    public int Count => _count;

    public void Write(ReadOnlySpan<short> samples)
    {
        if (samples.Length >= capacity)
        {
            samples[^capacity..].CopyTo(_buffer);
            _next = 0;
            _count = capacity;
            return;
        }

        var first = Math.Min(samples.Length, capacity - _next);
        samples[..first].CopyTo(_buffer.AsSpan(_next));
        samples[first..].CopyTo(_buffer);
        _next = (_next + samples.Length) % capacity;
        _count = Math.Min(_count + samples.Length, capacity);
    }

    /// <summary>The samples held, oldest first; the ring is empty afterwards.</summary>
    public short[] Drain()
    {
        var result = new short[_count];
        var start = (_next - _count + capacity) % capacity;
        var first = Math.Min(_count, capacity - start);
        _buffer.AsSpan(start, first).CopyTo(result);
        _buffer.AsSpan(0, _count - first).CopyTo(result.AsSpan(first));
        _count = 0;
        _next = 0;
        return result;
    }
}
