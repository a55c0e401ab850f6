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

    /// <summary>Taken once at creation: FileStream's getter flushes the write buffer, which a full disk refuses.</summary>
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _handle;
    private readonly int _refreshEvery;
    private long _sinceRefresh;
    private bool _disposed;
    private bool _salvaged;

    private WavWriter(string path, FileStream file, int sampleRate)
    {
        Path = path;
        _file = file;
        _handle = file.SafeFileHandle;
        SampleRate = sampleRate;
        _refreshEvery = sampleRate;
    }

    public string Path { get; }

    public int SampleRate { get; }

    public long SampleCount { get; private set; }

    /// <summary>Samples written since the header was last refreshed (and the buffer handed to the OS).</summary>
    public long Unrefreshed => _sinceRefresh;

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

        try
        {
            _file.Write(MemoryMarshal.AsBytes(samples));
            SampleCount += samples.Length;
            _sinceRefresh += samples.Length;
            if (_sinceRefresh >= _refreshEvery)
            {
                RefreshHeader();
            }
        }
        catch (IOException)
        {
            Salvage();
            throw;
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
        WriteSizes(SampleCount * 2);
        _sinceRefresh = 0;
    }

    private void WriteSizes(long dataBytes)
    {
        Span<byte> sizes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(sizes, (uint)Math.Min(uint.MaxValue, 36 + dataBytes));
        RandomAccess.Write(_handle, sizes, 4);
        BinaryPrimitives.WriteUInt32LittleEndian(sizes, (uint)Math.Min(uint.MaxValue, dataBytes));
        RandomAccess.Write(_handle, sizes, 40);
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
        catch (IOException)
        {
            Salvage();
            throw;
        }
        finally
        {
            _disposed = true;
            try
            {
                _file.Dispose(); // releases the handle even when flushing its buffer fails again
            }
            catch (IOException) when (_salvaged)
            {
                // The buffer the disk would not take is already left out of the header.
            }
        }
    }

    /// <summary>
    /// After a failed write (a full disk): the samples the file really holds become the count and
    /// the header says so at once (its two sizes are overwritten in place, which needs no free
    /// block), so the WAV reads to its last whole sample and nothing on disk hides behind a stale header.
    /// </summary>
    private void Salvage()
    {
        _salvaged = true;
        try
        {
            var onDisk = Math.Max(0, (RandomAccess.GetLength(_handle) - HeaderBytes) / 2);
            SampleCount = Math.Min(SampleCount, onDisk);
            WriteSizes(SampleCount * 2);
        }
        catch (IOException)
        {
            // The header keeps its last refresh; start-up repair reads the length again.
        }
    }
}
