using System.Diagnostics;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Transcription;

/// <summary>
/// The interactive lane: voice commands someone is waiting on. A worker takes a command before any
/// live segment and any job, so a command waits at most for the one item a worker is running, never
/// behind a device's queue or the backlog. Commands live in memory only (nobody waits for a command's
/// answer after a restart); their owners await them to the end (<see cref="VoiceCommand.Result"/>).
/// </summary>
internal sealed partial class TranscriptionScheduler
{
    /// <summary>Commands waiting at once; more are refused at once (the engine is far behind for interactive use).</summary>
    public const int CommandCapacity = 16;

    private readonly Queue<VoiceCommand> _commands = new();
    private long _commandsDone;

    /// <summary>Seconds from a command handed in to its transcript: the wait for a worker and the run.</summary>
    public Histogram CommandLatency { get; } = Histogram.Interactive();

    /// <summary>Commands transcribed since start.</summary>
    public long CommandsDone => Interlocked.Read(ref _commandsDone);

    /// <summary>Commands waiting for a worker.</summary>
    public int CommandsWaiting
    {
        get
        {
            lock (_gate)
            {
                return _commands.Count;
            }
        }
    }

    /// <summary>
    /// Transcribes <paramref name="command"/> before all other work. Returns when no worker works on
    /// it any more: its segments; <see cref="OperationCanceledException"/> when its token was
    /// cancelled (withdrawn if no worker had taken it, otherwise its run cancelled and joined);
    /// <see cref="EngineUnavailableException"/> when no engine can take it (none loaded, the server
    /// stopping, the lane full); or the engine's own failure.
    /// </summary>
    public async Task<IReadOnlyList<TranscriptSegment>> TranscribeCommandAsync(VoiceCommand command)
    {
        lock (_gate)
        {
            var refusal = _closed ? "the server is stopping"
                : engine.Workers == 0 ? $"transcription is {engine.Status}"
                : _commands.Count >= CommandCapacity ? $"{CommandCapacity} voice commands are already waiting for transcription; try again shortly"
                : null;
            if (refusal is not null)
            {
                throw new EngineUnavailableException(refusal);
            }

            _commands.Enqueue(command);
        }

        _signal.Release();
        await using (command.Token.Register(() => Withdraw(command)))
        {
            return await command.Result.Task;
        }
    }

    /// <summary>The owner gave up: a command no worker has taken is removed and cancelled; a running one is cancelled by its worker.</summary>
    private void Withdraw(VoiceCommand command)
    {
        bool removed;
        lock (_gate)
        {
            var count = _commands.Count;
            var kept = _commands.Where(c => !ReferenceEquals(c, command)).ToList();
            removed = kept.Count < count;
            _commands.Clear();
            foreach (var c in kept)
            {
                _commands.Enqueue(c);
            }
        }

        if (removed)
        {
            command.Result.TrySetCanceled(command.Token);
        }
    }

    private VoiceCommand? TakeCommand()
    {
        lock (_gate)
        {
            return _commands.TryDequeue(out var command) ? command : null;
        }
    }

    /// <summary>When the workers stop: commands still waiting are told the server is stopping.</summary>
    private void RefuseWaitingCommands()
    {
        while (TakeCommand() is { } left)
        {
            left.Result.TrySetException(new EngineUnavailableException("the server is stopping"));
        }
    }

    /// <summary>
    /// One command. Failure domain: the command's fault is its owner's (it gets the exception); the
    /// worker goes on. Returns how long the worker should rest when the engine is unavailable.
    /// </summary>
    private async Task<TimeSpan?> ProcessCommandAsync(ITranscriber worker, VoiceCommand command, Action<int> beat, CancellationToken serverToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(serverToken, command.Token);
        var waited = Stopwatch.GetElapsedTime(command.Submitted);
        var clock = Stopwatch.StartNew();
        Interlocked.Increment(ref _running);
        try
        {
            var segments = await worker.TranscribeAsync(command.Samples, command.Hints, beat, linked.Token);
            Interlocked.Increment(ref _commandsDone);
            CommandLatency.Observe(Stopwatch.GetElapsedTime(command.Submitted).TotalSeconds);
            log.Debug("transcription", "voice command transcribed", ("seconds", Math.Round(command.Samples.Length / 16000.0, 2)),
                ("wait_ms", (long)waited.TotalMilliseconds), ("transcribe_ms", (long)clock.Elapsed.TotalMilliseconds));
            command.Result.TrySetResult(segments);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            command.Result.TrySetCanceled(linked.Token); // the run has stopped: the worker awaited it
        }
        catch (Exception ex)
        {
            log.Exception(LogLevel.Warn, "transcription", "a voice command could not be transcribed", ex);
            command.Result.TrySetException(ex);
            return (ex as EngineUnavailableException)?.RetryAfter;
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }

        return null;
    }
}
