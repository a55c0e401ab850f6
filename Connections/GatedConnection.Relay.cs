using System.Buffers;
using System.Net.Sockets;

namespace FriendLite.Edge.Connections;

/// <summary>The byte moving of a gated connection: its read buffer, the upstream socket, the pumps and the gate's own answers.</summary>
internal sealed partial class GatedConnection
{
    /// <summary>Reads more from the client into the buffer (growing it, up to the head limit, only while a head is incomplete).</summary>
    private async ValueTask<int> ReceiveAsync(CancellationToken token)
    {
        if (_start > 0 && _start + _count == _buffer.Length)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _count);
            _start = 0;
        }

        if (_count == _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Min(_buffer.Length * 2, Math.Max(Limits.MaxHeadBytes, InitialBuffer)));
            Buffer.BlockCopy(_buffer, _start, larger, 0, _count);
            ReturnBuffer();
            (_buffer, _start) = (larger, 0);
        }

        var read = await _client.ReceiveAsync(_buffer.AsMemory(_start + _count), SocketFlags.None, token);
        _count += read;
        return read;
    }

    private void Consume(int bytes)
    {
        _start += bytes;
        _count -= bytes;
        if (_count == 0)
        {
            _start = 0;
        }
    }

    private async Task ForwardBufferedAsync(int bytes, CancellationToken token)
    {
        if (bytes > 0)
        {
            await SendAllAsync(_upstream!, _buffer.AsMemory(_start, bytes), token);
            Consume(bytes);
        }
    }

    private void ReturnBuffer()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
            (_start, _count) = (0, 0);
        }
    }

    /// <summary>Opens the relay to the HTTP host, once, when the first request is ready to go.</summary>
    private async Task ConnectUpstreamAsync(CancellationToken token)
    {
        if (_upstream is not null)
        {
            return;
        }

        var upstream = new Socket(_gate.Upstream!.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _upstream = upstream;
        await upstream.ConnectAsync(_gate.Upstream, token);
        _responses = PumpResponsesAsync(token);
    }

    /// <summary>Copies the host's answers to the client until the host closes; then the connection ends (a refusal of the gate's own may still be written first).</summary>
    private async Task PumpResponsesAsync(CancellationToken token)
    {
        try
        {
            await PumpAsync(_upstream!, _client, token);
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // Either side went away: the connection ends below.
        }

        Abort(); // nothing more can be answered on this connection, so nothing more is read from it
    }

    /// <summary>
    /// Copies a device's upgraded stream to the host until it ends. A device sends all the time, so
    /// its pump keeps one small buffer rather than asking first whether bytes are there (a
    /// zero-byte read per frame cost a third more CPU at 200 devices).
    /// </summary>
    private async Task PumpUpgradedAsync(CancellationToken token)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(UpgradedBuffer);
        try
        {
            int read;
            while ((read = await _client.ReceiveAsync(buffer, SocketFlags.None, token)) > 0)
            {
                await SendAllAsync(_upstream!, buffer.AsMemory(0, read), token);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Copies the host's bytes until it ends, holding a buffer only while bytes are in hand (most connections are quiet most of the time).</summary>
    private async Task PumpAsync(Socket from, Socket to, CancellationToken token)
    {
        while (true)
        {
            if ((Phase)Volatile.Read(ref _phase) != Phase.Upgraded)
            {
                await from.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, token);
            }

            // Upgraded, a read with its buffer stays posted: the kernel's bytes are taken the moment
            // they arrive. A session that ends while its device floods is reset by the host right
            // after its close frame, and a reset discards what the relay had not read yet.
            var buffer = ArrayPool<byte>.Shared.Rent(PumpBuffer);
            try
            {
                if (Limits.RelayPause is { } wait)
                {
                    await wait(RelayStage.Read);
                }

                var read = await from.ReceiveAsync(buffer, SocketFlags.None, token);
                if (read == 0)
                {
                    return;
                }

                Volatile.Write(ref _lastResponse, _gate.Time.GetTimestamp());
                Volatile.Write(ref _awaitingAnswer, 0);
                if (Limits.RelayPause is { } pause)
                {
                    await pause(RelayStage.Write);
                }

                // Bytes in hand are the host's answer (a close frame, say), read just before the host
                // reset its side: they are written even when the connection is ending meanwhile
                // (only a client that does not read them is given up on, WriteGrace after the abort).
                await SendAllAsync(to, buffer.AsMemory(0, read), _writes.Token);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>
    /// A lingering close: the client is sent a FIN after everything written to it, and what it still
    /// sends is read and dropped for a moment. Closing with its bytes unread would send a reset, and
    /// a reset makes the client's system discard what it had not read yet, such as the close frame
    /// that tells a device flooding a failed session why (1011).
    /// </summary>
    private async Task LingerAsync()
    {
        using var linger = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var sink = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            _client.Shutdown(SocketShutdown.Send);
            while (await _client.ReceiveAsync(sink, SocketFlags.None, linger.Token) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Gone, reset, or still sending after a second: close it now.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(sink);
        }
    }

    /// <summary>True while bytes the host wrote may still be on their way to the client: in the relay's socket, or being copied.</summary>
    public bool IsRelaying
    {
        get
        {
            try
            {
                return _upstream is { } upstream && upstream.Available > 0;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return false;
            }
        }
    }

    /// <summary>The client is done: the host is told (its side ends), and its outstanding answers are delivered.</summary>
    private async Task FinishAsync()
    {
        if (_upstream is null)
        {
            return;
        }

        Enter(Phase.Idle); // waiting for answers has the keep-alive deadline, counted from the last byte of one
        try
        {
            _upstream.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }

        await _responses;
    }

    /// <summary>Answers a request the gate itself refuses (after any earlier answers on the connection), then closes.</summary>
    private async Task RefuseAsync(int status, string detail, (string Name, string Value)[] headers, ConnectionEnd countAs = ConnectionEnd.BadRequest)
    {
        _gate.Counters.Count(countAs, Remote.Address.ToString(), detail);
        await FinishAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await SendAllAsync(_client, GateResponse.Error(status, detail, headers), timeout.Token);
            _client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client is gone or does not read: it loses only its own answer.
        }
    }

    private static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> bytes, CancellationToken token)
    {
        while (!bytes.IsEmpty)
        {
            var sent = await socket.SendAsync(bytes, SocketFlags.None, token);
            bytes = bytes[sent..];
        }
    }
}
