using System.Collections.Concurrent;
using Duragent.Testing;

namespace Duragent.Silo.Tests.Runtime;

/// <summary>
/// Shared between a test and its grains (registered as a singleton): named signals that grains set and tests await
/// (or that tests set and grains await, as gates), counters, and an ordered event log.
/// </summary>
public sealed class Probe
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _signals = new();
    private readonly ConcurrentDictionary<string, int> _counters = new();
    private readonly ConcurrentQueue<string> _events = new();
    private readonly ConcurrentQueue<object> _items = new();

    /// <summary>Sets the signal (opens the gate) <paramref name="name"/>.</summary>
    public void Set(string name) => Signal(name).TrySetResult();

    public bool IsSet(string name) => Signal(name).Task.IsCompleted;

    /// <summary>The task of signal <paramref name="name"/>, for grains to await as a gate.</summary>
    public Task Gate(string name) => Signal(name).Task;

    /// <summary>Waits (10 s at most) for signal <paramref name="name"/>.</summary>
    public Task WaitAsync(string name) => Signal(name).Task.WaitFor($"signal '{name}'");

    public int Increment(string name) => _counters.AddOrUpdate(name, 1, (_, v) => v + 1);

    public int Count(string name) => _counters.GetValueOrDefault(name);

    public void Record(string text) => _events.Enqueue(text);

    public IReadOnlyList<string> Events => [.. _events];

    public void Add(object item) => _items.Enqueue(item);

    public IReadOnlyList<T> Items<T>() => [.. _items.OfType<T>()];

    private TaskCompletionSource Signal(string name) =>
        _signals.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
