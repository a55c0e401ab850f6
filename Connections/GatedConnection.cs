using System.Buffers;
using System.Net;
using System.Net.Sockets;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Connections;

/// <summary>
/// One connection through the gate. The request loop reads each head under the header deadline,
/// checks it, forwards it (rewritten) and its body (at a minimum rate) to the HTTP host; the
/// response pump copies the host's answers back. A WebSocket upgrade turns both into plain pumps.
/// Every phase has a deadline the gate's sweeper enforces through <see cref="CheckDeadlines"/>.
/// The connection never throws: it ends, closes both sockets and leaves the gate's table.
/// </summary>
internal sealed partial class GatedConnection : IDisposable
{
    private const int InitialBuffer = 4 * 1024;
    private const int PumpBuffer = 16 * 1024;
    private const int UpgradedBuffer = 4 * 1024;

    private readonly Socket _client;
    private readonly ConnectionGate _gate;
    /// <summary>How long what the relay holds may still take to reach the client once the connection is ending.</summary>
    private static readonly TimeSpan WriteGrace = TimeSpan.FromSeconds(2);

    private readonly CancellationTokenSource _abort = new();
    /// <summary>Cancels writes to the client: <see cref="WriteGrace"/> after the abort, not with it.</summary>
    private readonly CancellationTokenSource _writes = new();
    private Socket? _upstream;
    private Task _responses = Task.CompletedTask;
    private byte[] _buffer = [];
    private int _start;
    private int _count;

    private int _phase = (int)Phase.Head;
    private long _phaseStart;
    private long _bodyBytes;
    private long _lastResponse;

    /// <summary>1 from forwarding a request until the host's first byte after it: the host is at work, the connection is not idle.</summary>
    private int _awaitingAnswer;
    private int _expiry = -1;

    public GatedConnection(Socket client, IPEndPoint remote, ConnectionGate gate)
    {
        _client = client;
        _gate = gate;
        Remote = remote;
        _phaseStart = gate.Time.GetTimestamp();
        client.NoDelay = true;
    }

    private enum Phase
    {
        Head,
        Idle,
        Body,
        Upgraded,
    }

    public IPEndPoint Remote { get; }

    private Log Log => _gate.Log;

    private ConnectionLimits Limits => _gate.Limits;

    public async Task RunAsync(CancellationToken stopping)
    {
        await using var onStop = stopping.Register(Abort);
        try
        {
            await ServeAsync();
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            if (Expired == ConnectionEnd.BodyTooSlow)
            {
                _gate.Counters.Count(ConnectionEnd.BodyTooSlow, Remote.Address.ToString(),
                    $"The request body arrived slower than {Limits.MinBodyBytesPerSecond:0} bytes a second.");
            }
        }
        catch (Exception ex)
        {
            Log.Exception(LogLevel.Warn, "connections", "a connection failed", ex);
        }
        finally
        {
            await LetResponsesDrainAsync();
            Abort();
            await _responses; // the pump never throws; it is this connection's, so it ends before the connection does
            await LingerAsync();
            Dispose();
            _gate.Release(this);
        }
    }

    /// <summary>
    /// The client's side has ended (or failed, as sending to a host that has just closed does): what
    /// the host already wrote, such as a session's close frame, is still taken and relayed before
    /// the abort cancels the pump's read (up to <see cref="WriteGrace"/>).
    /// </summary>
    private async Task LetResponsesDrainAsync()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (IsRelaying && !_responses.IsCompleted && clock.Elapsed < WriteGrace)
        {
            await Task.WhenAny(_responses, Task.Delay(5));
        }
    }

    /// <summary>Closes both sockets and returns the buffer (after <see cref="RunAsync"/>, or instead of it when it never started).</summary>
    public void Dispose()
    {
        _client.Dispose();
        _upstream?.Dispose();
        _abort.Dispose();
        _writes.Dispose();
        ReturnBuffer();
    }

    /// <summary>Ends the connection now: pending reads and writes on both sockets fail.</summary>
    public void Abort()
    {
        try
        {
            _abort.Cancel();
            _writes.CancelAfter(WriteGrace);
        }
        catch (ObjectDisposedException)
        {
            // Already ended.
        }
    }

    /// <summary>Called by the sweeper: ends the connection when its current phase has run out of time.</summary>
    public void CheckDeadlines(long now)
    {
        var time = _gate.Time;
        var phase = (Phase)Volatile.Read(ref _phase);
        var since = time.GetElapsedTime(Volatile.Read(ref _phaseStart), now);
        ConnectionEnd? expired = phase switch
        {
            Phase.Head when since > Limits.HeaderTimeout => ConnectionEnd.HeaderTimeout,
            // A request whose answer takes long (an upload being converted) is not an idle connection.
            Phase.Idle when Volatile.Read(ref _awaitingAnswer) == 0
                && time.GetElapsedTime(Math.Max(Volatile.Read(ref _phaseStart), Volatile.Read(ref _lastResponse)), now) > Limits.KeepAliveTimeout => ConnectionEnd.Idle,
            Phase.Body when since > Limits.BodyGracePeriod && Volatile.Read(ref _bodyBytes) < Limits.MinBodyBytesPerSecond * since.TotalSeconds => ConnectionEnd.BodyTooSlow,
            _ => null,
        };
        if (expired is { } end && Interlocked.CompareExchange(ref _expiry, (int)end, -1) == -1)
        {
            Abort();
        }
    }

    private ConnectionEnd? Expired => Volatile.Read(ref _expiry) is var e and >= 0 ? (ConnectionEnd)e : null;

    private void Enter(Phase phase)
    {
        Volatile.Write(ref _phaseStart, _gate.Time.GetTimestamp());
        Volatile.Write(ref _bodyBytes, 0);
        Volatile.Write(ref _phase, (int)phase);
    }

    private async Task ServeAsync()
    {
        _buffer = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        var token = _abort.Token;
        while (true)
        {
            var head = await ReadHeadAsync(token);
            if (head is null)
            {
                await FinishAsync(); // the client closed, or sat idle too long, between requests
                return;
            }

            if (head.IsChunked)
            {
                if (await ReadChunkedAsync(head, token) is not { } decoded)
                {
                    return;
                }

                await ConnectUpstreamAsync(token);
                Volatile.Write(ref _awaitingAnswer, 1);
                await SendAllAsync(_upstream!, Rewrite(head, decoded.Length), token);
                await SendAllAsync(_upstream!, decoded.GetBuffer().AsMemory(0, (int)decoded.Length), token);
                if (!head.KeepAlive)
                {
                    await FinishAsync();
                    return;
                }

                Enter(Phase.Idle);
                continue;
            }

            await ConnectUpstreamAsync(token);
            Volatile.Write(ref _awaitingAnswer, 1);
            await SendAllAsync(_upstream!, Rewrite(head), token);
            if (head.IsUpgrade)
            {
                Enter(Phase.Upgraded);
                await ForwardBufferedAsync(_count, token);
                ReturnBuffer();
                await PumpUpgradedAsync(token);
                await FinishAsync();
                return;
            }

            if (!await ForwardBodyAsync(head, token) || !head.KeepAlive)
            {
                await FinishAsync();
                return;
            }

            Enter(Phase.Idle);
        }
    }

    /// <summary>The next request head, or null when the connection ended cleanly before one began.</summary>
    private async Task<RequestHead?> ReadHeadAsync(CancellationToken token)
    {
        while (true)
        {
            var skip = RequestHead.LeadingEmptyLines(_buffer.AsSpan(_start, _count));
            Consume(skip);
            if (_count > 0 && (Phase)Volatile.Read(ref _phase) == Phase.Idle)
            {
                Enter(Phase.Head); // a request has begun: from here its headers have the header deadline
            }

            var end = RequestHead.FindEnd(_buffer.AsSpan(_start, _count));
            if (end >= 0)
            {
                try
                {
                    var head = RequestHead.Parse(_buffer.AsSpan(_start, end));
                    Consume(end);
                    return head;
                }
                catch (HeadRefusal refusal)
                {
                    await RefuseAsync(refusal.Status, refusal.Message, refusal.Headers);
                    return null;
                }
            }

            if (_count >= Limits.MaxHeadBytes)
            {
                await RefuseAsync(431, $"The request's headers are larger than {Limits.MaxHeadBytes / 1024} KiB.", []);
                return null;
            }

            int read;
            try
            {
                read = await ReceiveAsync(token);
            }
            catch (OperationCanceledException) when (Expired == ConnectionEnd.HeaderTimeout)
            {
                await RefuseAsync(408, $"The request's headers did not arrive within {Limits.HeaderTimeout.TotalSeconds:0.###} s.", [], ConnectionEnd.HeaderTimeout);
                return null;
            }
            catch (OperationCanceledException) when (Expired == ConnectionEnd.Idle)
            {
                _gate.Counters.Count(ConnectionEnd.Idle, Remote.Address.ToString(), "");
                return null;
            }

            if (read == 0)
            {
                return null;
            }
        }
    }
}
