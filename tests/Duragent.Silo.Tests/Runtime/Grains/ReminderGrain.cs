using Duragent.Runtime;

namespace Duragent.Silo.Tests.Runtime.Grains;

[GrainType("reminder")]
public interface IReminderGrain : IGrainWithStringKey
{
    Task RegisterAsync(string name, DateTimeOffset startAt, TimeSpan period, MissedTickPolicy policy);

    Task<bool> UnregisterAsync(string name);

    Task<IReadOnlyList<ReminderInfo>> GetRemindersAsync();
}

/// <summary>A tick as the grain received it.</summary>
public sealed record ReceivedTick(string Key, string Name, TickStatus Status);

/// <summary>Ticks are recorded and signal "tick:{key}:{name}:{n}"; reminders named "fail…" throw.</summary>
public sealed class ReminderGrain(Probe probe) : Grain, IReminderGrain, IRemindable
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Increment($"activations:{GrainKey}");
        return Task.CompletedTask;
    }

    public Task RegisterAsync(string name, DateTimeOffset startAt, TimeSpan period, MissedTickPolicy policy) =>
        GrainContext.Reminders.RegisterOrUpdateAsync(name, startAt, period, policy);

    public Task<bool> UnregisterAsync(string name) => GrainContext.Reminders.UnregisterAsync(name);

    public Task<IReadOnlyList<ReminderInfo>> GetRemindersAsync() => GrainContext.Reminders.GetAllAsync();

    public Task ReceiveReminderAsync(string reminderName, TickStatus status)
    {
        var n = probe.Increment($"ticks:{GrainKey}:{reminderName}");
        probe.Add(new ReceivedTick(GrainKey, reminderName, status));
        probe.Set($"tick:{GrainKey}:{reminderName}:{n}");
        return reminderName.StartsWith("fail", StringComparison.Ordinal)
            ? Task.FromException(new InvalidOperationException("reminder handler failed"))
            : Task.CompletedTask;
    }
}

[GrainType("plain")]
public interface IPlainGrain : IGrainWithStringKey
{
    Task RegisterReminderAsync();
}

public sealed class PlainGrain : Grain, IPlainGrain
{
    public Task RegisterReminderAsync() =>
        GrainContext.Reminders.RegisterOrUpdateAsync("r", DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(1), MissedTickPolicy.Skip);
}
