using Duragent.Runtime;

namespace Duragent.Silo.Tests.Runtime.Grains;

[GrainType("concurrency")]
public interface IConcurrencyGrain : IGrainWithStringKey
{
    Task RecordAsync(int n);

    [ReadOnly]
    Task<int[]> GetRecordedAsync();

    /// <summary>Signals "{id}:started", waits for gate, records "{id}:done".</summary>
    Task WriteAsync(string gate, string id);

    /// <summary>Like <see cref="WriteAsync"/>, read-only.</summary>
    [ReadOnly]
    Task ReadAsync(string gate, string id);

    [AlwaysInterleave]
    Task<string> PeekAsync();

    Task WorkAsync(int steps);

    [ReadOnly]
    Task ReadWorkAsync(int steps);

    [AlwaysInterleave]
    Task InterleavedWorkAsync(int steps);

    [ReadOnly]
    Task<int> GetMaxInFlightAsync();

    Task<bool> RunsOnActivationSchedulerAsync();

    ValueTask<int> EchoAsync(int n);

    ValueTask NothingAsync();

    Task<bool> IsSameTokenAsync(CancellationToken token, CancellationToken expected);

    Task ThrowAsync(string message);
}

public sealed class ConcurrencyGrain(Probe probe) : Grain, IConcurrencyGrain
{
    private readonly List<int> _recorded = [];
    private int _inside;
    private int _inFlight;
    private int _maxInFlight;

    public async Task RecordAsync(int n)
    {
        await Task.Yield();
        _recorded.Add(n);
    }

    public Task<int[]> GetRecordedAsync() => Task.FromResult(_recorded.ToArray());

    public async Task WriteAsync(string gate, string id)
    {
        probe.Set($"{id}:started");
        await probe.Gate(gate);
        probe.Record($"{id}:done");
    }

    public async Task ReadAsync(string gate, string id)
    {
        probe.Set($"{id}:started");
        await probe.Gate(gate);
        probe.Record($"{id}:done");
    }

    public Task<string> PeekAsync() => Task.FromResult("peek");

    public Task WorkAsync(int steps) => StepsAsync(steps);

    public Task ReadWorkAsync(int steps) => StepsAsync(steps);

    public Task InterleavedWorkAsync(int steps) => StepsAsync(steps);

    public Task<int> GetMaxInFlightAsync() => Task.FromResult(_maxInFlight);

    public Task<bool> RunsOnActivationSchedulerAsync() => Task.FromResult(TaskScheduler.Current is ActivationTaskScheduler);

    public ValueTask<int> EchoAsync(int n) => ValueTask.FromResult(n);

    public ValueTask NothingAsync() => ValueTask.CompletedTask;

    public Task<bool> IsSameTokenAsync(CancellationToken token, CancellationToken expected) => Task.FromResult(token == expected);

    public Task ThrowAsync(string message) => throw new InvalidOperationException(message);

    private async Task StepsAsync(int steps)
    {
        Enter();
        _inFlight++;
        _maxInFlight = Math.Max(_maxInFlight, _inFlight);
        Exit();
        for (var i = 0; i < steps; i++)
        {
            Enter();
            Thread.SpinWait(3000);
            Exit();
            if (i % 2 == 0)
            {
                await Task.Yield();
            }
            else
            {
                // Completes on a thread-pool thread; the continuation must still come back to the activation.
                await Task.Run(() => Thread.SpinWait(50));
            }
        }

        Enter();
        _inFlight--;
        Exit();
    }

    private void Enter()
    {
        if (Interlocked.Increment(ref _inside) != 1)
        {
            probe.Increment("overlap");
        }
    }

    private void Exit() => Interlocked.Decrement(ref _inside);
}
