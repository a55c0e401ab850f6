using System.Diagnostics;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Concurrency;

/// <summary>
/// Structured concurrency: every task has an owner that awaits it.
///
/// Ownership: a group owns its children (spawned tasks), its nested groups and the resources handed
/// to <see cref="Own{T}"/>. <see cref="WaitAsync"/> returns only after every child and nested group has
/// finished; then owned resources are disposed in reverse order; then failures are thrown (one
/// exception, or an <see cref="AggregateException"/>). The first child that fails with anything but the
/// group's own cancellation cancels the whole group. A child that ignores cancellation is reported
/// after a grace period and still awaited: a group never abandons a child.
///
/// A nested group (created with a parent group, inside a task that awaits it) is linked to the
/// parent's token and counts as one of the parent's children until its owner has completed it: the
/// parent cannot finish before it. The nested group's failures go to its owner (and to the log), not
/// to the parent, so one client's fault never cancels the server.
/// </summary>
internal sealed partial class TaskGroup : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _cts;
    private readonly CancellationToken _token; // stays usable after _cts is disposed at completion
    private readonly TaskGroup? _parent;
    private readonly TaskGroupOptions _options;
    private readonly List<Child> _children = [];
    private readonly List<TaskGroup> _groups = [];
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<Exception> _failures = [];
    private readonly TaskCompletionSource _cancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenRegistration _cancelRegistration;
    private readonly long _started = Stopwatch.GetTimestamp();
    private Task? _completion;
    private bool _closed;
    private bool _failuresObserved;
    private TaskGroupState _state = TaskGroupState.Running;

    public TaskGroup(string name, CancellationToken cancellationToken = default)
        : this(name, parent: null, TaskGroupOptions.Default, cancellationToken)
    {
    }

    public TaskGroup(string name, TaskGroupOptions options, CancellationToken cancellationToken = default)
        : this(name, parent: null, options, cancellationToken)
    {
    }

    /// <summary>A nested group: linked to the parent's token, awaited by the parent.</summary>
    public TaskGroup(string name, TaskGroup parent)
        : this(name, parent, parent._options, parent._token)
    {
    }

    private TaskGroup(string name, TaskGroup? parent, TaskGroupOptions options, CancellationToken cancellationToken)
    {
        Name = name;
        _options = options;
        _parent = parent;
        parent?.Attach(this);
        _cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _token = _cts.Token;
        _cancelRegistration = _cts.Token.Register(static state => ((TaskGroup)state!).OnCancelled(), this);
        Interlocked.Increment(ref s_liveGroups);
    }

    public string Name { get; }

    /// <summary>Cancelled when the group is cancelled, its parent is, or a child fails.</summary>
    public CancellationToken Token => _token;

    public bool IsCancellationRequested => _cts.IsCancellationRequested;

    /// <summary>Completes (never faults) when the group has finished: children, nested groups and owned resources.</summary>
    public Task Finished => _finished.Task;

    /// <summary>Starts a named child on the thread pool. Throws when the group is cancelled or has completed.</summary>
    public void Spawn(string name, Func<CancellationToken, Task> work) => SpawnAll((name, work));

    /// <summary>
    /// Starts children that only work together (a producer, its consumer, the task that stops them)
    /// all at once or not at all: a cancellation cannot land between them and leave a producer
    /// running with no consumer. Throws, starting none, when the group is cancelled or has completed.
    /// </summary>
    public void SpawnAll(params ReadOnlySpan<(string Name, Func<CancellationToken, Task> Work)> children)
    {
        lock (_gate)
        {
            foreach (var (name, work) in children)
            {
                ArgumentNullException.ThrowIfNull(work);
                ThrowIfClosed(name);
            }

            foreach (var (name, work) in children)
            {
                var child = new Child(name);
                _children.Add(child);
                child.Task = Task.Run(() => RunChildAsync(child, work));
            }
        }
    }

    /// <summary>Hands a resource to the group: disposed after every child has finished, in reverse order.</summary>
    public T Own<T>(T resource) where T : IAsyncDisposable
    {
        lock (_gate)
        {
            if (_closed)
            {
                throw new InvalidOperationException($"Task group '{Name}' has completed and cannot own '{resource}'.");
            }

            _owned.Add(resource);
        }

        return resource;
    }

    /// <summary>Asks every child to stop. Children are still awaited by <see cref="WaitAsync"/>.</summary>
    public void Cancel()
    {
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already completed: nothing left to cancel.
        }
    }

    /// <summary>
    /// Waits for every child without cancelling them, disposes owned resources, then throws the
    /// failures. Safe to call more than once; every caller awaits the same completion.
    /// </summary>
    public async Task WaitAsync()
    {
        await EnsureCompletion();
        ThrowFailures(onlyUnobserved: false);
    }

    /// <summary>Cancels, waits for everything, and throws failures that no <see cref="WaitAsync"/> has thrown yet.</summary>
    public async ValueTask DisposeAsync()
    {
        Cancel();
        await EnsureCompletion();
        ThrowFailures(onlyUnobserved: true);
    }

    private Task EnsureCompletion()
    {
        lock (_gate)
        {
            return _completion ??= CompleteAsync();
        }
    }

    private async Task RunChildAsync(Child child, Func<CancellationToken, Task> work)
    {
        try
        {
            await work(_token);
            child.Outcome = ChildOutcome.Completed;
        }
        catch (OperationCanceledException) when (_cts.IsCancellationRequested)
        {
            child.Outcome = ChildOutcome.Cancelled;
        }
        catch (Exception ex)
        {
            child.Outcome = ChildOutcome.Faulted;
            Fail(child.Name, ex);
        }
        finally
        {
            lock (_gate)
            {
                _children.Remove(child);
            }
        }
    }

    private void Fail(string childName, Exception exception)
    {
        Interlocked.Increment(ref s_failures);
        lock (_gate)
        {
            _failures.Add(exception);
        }

        _options.Log.Exception(LogLevel.Error, "taskgroup", $"'{childName}' in group '{Name}' failed; cancelling the group", exception);
        Cancel();
    }

    private void ThrowIfClosed(string what)
    {
        if (_closed)
        {
            throw new InvalidOperationException($"Task group '{Name}' has completed; cannot start '{what}'.");
        }

        if (_cts.IsCancellationRequested)
        {
            throw new InvalidOperationException($"Task group '{Name}' is cancelled; cannot start '{what}'.");
        }
    }

    private void Attach(TaskGroup child)
    {
        lock (_gate)
        {
            ThrowIfClosed(child.Name);
            _groups.Add(child);
        }
    }

    private void Detach(TaskGroup child)
    {
        lock (_gate)
        {
            _groups.Remove(child);
        }
    }

    private void OnCancelled()
    {
        lock (_gate)
        {
            if (_state is TaskGroupState.Running or TaskGroupState.Waiting)
            {
                _state = TaskGroupState.Cancelling;
            }
        }

        _cancelled.TrySetResult();
    }

    private enum TaskGroupState
    {
        Running,
        Waiting,
        Cancelling,
        Completed,
        Faulted,
    }

    private enum ChildOutcome
    {
        Running,
        Completed,
        Cancelled,
        Faulted,
    }

    private sealed class Child(string name)
    {
        public string Name { get; } = name;

        public long Started { get; } = Stopwatch.GetTimestamp();

        public Task? Task { get; set; }

        public volatile ChildOutcome Outcome;
    }
}
