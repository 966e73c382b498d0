using Duragent.Runtime;

namespace Duragent.Silo.Tests.Runtime.Grains;

[GrainType("timer")]
public interface ITimerGrain : IGrainWithStringKey
{
    Task StartTimerAsync(TimeSpan dueTime, TimeSpan period, bool keepAlive);

    Task StopTimerAsync();

    /// <summary>Signals "{key}:write:started", waits for gate, records "write-done".</summary>
    Task WriteAsync(string gate);

    [ReadOnly]
    Task<int> GetTicksAsync();

    /// <summary>Starts background work that waits for gate "bg" and then posts a turn setting the value to 42.</summary>
    Task StartBackgroundAsync();

    [ReadOnly]
    Task<int> GetValueAsync();
}

/// <summary>Ticks record "tick:n" and signal "{key}:tick:n"; while counter "tick-blocks" is set a tick waits for gate "tick-gate".</summary>
public sealed class TimerGrain(Probe probe) : Grain, ITimerGrain
{
    private IDisposable? _timer;
    private int _ticks;
    private int _value;

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Set($"deactivated:{GrainKey}");
        return Task.CompletedTask;
    }

    public Task StartTimerAsync(TimeSpan dueTime, TimeSpan period, bool keepAlive)
    {
        _timer = GrainContext.RegisterTimer(OnTickAsync, dueTime, period, keepAlive: keepAlive);
        return Task.CompletedTask;
    }

    public Task StopTimerAsync()
    {
        _timer?.Dispose();
        return Task.CompletedTask;
    }

    public async Task WriteAsync(string gate)
    {
        probe.Set($"{GrainKey}:write:started");
        await probe.Gate(gate);
        probe.Record("write-done");
    }

    public Task<int> GetTicksAsync() => Task.FromResult(_ticks);

    public Task StartBackgroundAsync()
    {
        var context = GrainContext;
        _ = Task.Run(async () =>
        {
            await probe.Gate("bg");
            var turn = context.RunTurnAsync(() =>
            {
                _value = 42;
                probe.Record(TaskScheduler.Current is ActivationTaskScheduler ? "turn-on-activation" : "turn-elsewhere");
                return Task.CompletedTask;
            });
            probe.Set("bg:posted");
            await turn;
            probe.Set("bg:done");
        });
        return Task.CompletedTask;
    }

    public Task<int> GetValueAsync() => Task.FromResult(_value);

    private async Task OnTickAsync(CancellationToken cancellationToken)
    {
        var n = ++_ticks;
        probe.Record($"tick:{n}");
        probe.Set($"{GrainKey}:tick:{n}");
        if (probe.Count("tick-blocks") > 0)
        {
            await probe.Gate("tick-gate");
        }
    }
}
