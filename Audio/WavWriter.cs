using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace FriendLite.Edge.Audio;

/// <summary>
/// Appends 16-bit mono PCM to a WAV file whose header stays valid as it grows: the RIFF and data
/// sizes are rewritten after every second of audio and at close, so a crash leaves a file that
/// plays up to the last refresh (and <see cref="WavFile.Repair"/> recovers the rest). Owns one file
/// handle, released by <see cref="Dispose"/> even when the last header write fails (disk full).
/// </summary>
internal sealed class WavWriter : IDisposable
{
    public const int HeaderBytes = 44;
    private readonly FileStream _file;
    private readonly int _refreshEvery;
    private long _sinceRefresh;
    private bool _disposed;

    private WavWriter(string path, FileStream file, int sampleRate)
    {
        Path = path;
        _file = file;
        SampleRate = sampleRate;
        _refreshEvery = sampleRate;
    }

    public string Path { get; }

    public int SampleRate { get; }

    public long SampleCount { get; private set; }

    public TimeSpan Duration => TimeSpan.FromSeconds((double)SampleCount / SampleRate);

    /// <summary>Creates a new file (never overwrites one) and its directories.</summary>
    public static WavWriter Create(string path, int sampleRate = 16000)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read,
            BufferSize = 32 * 1024,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        var writer = new WavWriter(path, file, sampleRate);
        try
        {
            Span<byte> header = stackalloc byte[HeaderBytes];
            WavFile.WriteHeader(header, sampleRate, dataBytes: 0);
            file.Write(header);
            file.Flush();
        }
        catch
        {
            writer.Dispose();
            throw;
        }

        return writer;
    }

    public void Write(ReadOnlySpan<short> samples)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("WAV writing assumes a little-endian machine.");
        }

        _file.Write(MemoryMarshal.AsBytes(samples));
        SampleCount += samples.Length;
        _sinceRefresh += samples.Length;
        if (_sinceRefresh >= _refreshEvery)
        {
            RefreshHeader();
        }
    }

    /// <summary>Hands buffered samples to the OS so other readers of the file (the transcription workers) see them.</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _file.Flush();
    }

    /// <summary>Writes the current sizes into the header and hands the data to the OS.</summary>
    public void RefreshHeader()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _file.Flush();
        var dataBytes = SampleCount * 2;
        Span<byte> sizes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(sizes, (uint)Math.Min(uint.MaxValue, 36 + dataBytes));
        RandomAccess.Write(_file.SafeFileHandle, sizes, 4);
        BinaryPrimitives.WriteUInt32LittleEndian(sizes, (uint)Math.Min(uint.MaxValue, dataBytes));
        RandomAccess.Write(_file.SafeFileHandle, sizes, 40);
        _sinceRefresh = 0;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            RefreshHeader();
        }
        finally
        {
            _disposed = true;
            _file.Dispose();
        }
    }
}
