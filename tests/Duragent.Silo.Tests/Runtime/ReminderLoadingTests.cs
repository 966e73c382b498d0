using Duragent.Runtime;
using Duragent.Silo.Tests.Runtime.Grains;
using Duragent.Storage;
using Duragent.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Duragent.Silo.Tests.Runtime;

/// <summary>
/// Reminders load in the background: start-up does not wait for a table that grows with the number of sessions, a
/// row registered or removed while the load runs is neither lost nor undone, and a failed load stops the silo.
/// </summary>
public sealed class ReminderLoadingTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private readonly Probe _probe = new();
    private readonly InMemoryStorage _storage = new();
    private readonly FakeTimeProvider _clock = new();
    private readonly TestLogSink _logs = new();

    [Fact]
    public async Task StartUp_DoesNotWaitForTheLoad_AndRowsChangedMeanwhileAreKept()
    {
        var t0 = _clock.GetUtcNow();
        await _storage.Reminders.UpsertRowAsync(Row("stored", "beat", t0 + Minute));
        await _storage.Reminders.UpsertRowAsync(Row("doomed", "beat", t0 + Minute));
        var table = new GatedReminderTable(_storage.Reminders);
        using var host = Build(table);

        await host.StartAsync().WaitFor("the host to start while the reminder table is still loading");
        var service = host.Services.GetRequiredService<LocalReminderService>();
        Assert.False(service.Loaded.IsCompleted);

        // Changes made during the load wait for it, then apply on top of what it read.
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var register = grains.GetGrain<IReminderGrain>("fresh").RegisterAsync("beat", t0 + Minute, Minute, MissedTickPolicy.Skip);
        var remove = host.Services.GetRequiredService<LocalReminderService>().UnregisterAsync(new GrainId("reminder", "doomed"), "beat", CancellationToken.None);
        await Task.Delay(50);
        Assert.False(register.IsCompleted);
        table.Release();
        await service.Loaded.WaitFor("the reminder load");
        await register.WaitFor("the registration made during the load");
        Assert.True(await remove.WaitFor("the removal made during the load"));

        _clock.Advance(Minute);
        await _probe.WaitAsync("tick:stored:beat:1");
        await _probe.WaitAsync("tick:fresh:beat:1");
        await service.WaitForDeliveriesAsync(CancellationToken.None).WaitFor("the deliveries");
        Assert.Equal(0, _probe.Count("ticks:doomed:beat"));
        Assert.Null(await _storage.Reminders.ReadRowAsync(new GrainId("reminder", "doomed"), "beat"));
        await host.StopAsync();
    }

    [Fact]
    public async Task FailedLoad_IsLoggedAsCritical_AndStopsTheSilo()
    {
        var table = new GatedReminderTable(_storage.Reminders) { Failure = new StorageCorruptedException("reminders/session/x/ttl.yaml: line 3: bad", "ttl.yaml", 3) };
        table.Release();
        using var host = Build(table);
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();

        await host.StartAsync();
        await Assert.ThrowsAsync<StorageCorruptedException>(() => host.Services.GetRequiredService<LocalReminderService>().Loaded);

        Assert.True(lifetime.ApplicationStopping.IsCancellationRequested);
        var record = _logs.Records.Single(r => r.Level == LogLevel.Critical);
        Assert.Contains("ttl.yaml", record.Exception!.Message, StringComparison.Ordinal);
        var register = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IReminderGrain>("late").RegisterAsync("beat", _clock.GetUtcNow(), Minute, MissedTickPolicy.Skip);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => register);
        Assert.Contains("could not be loaded", error.Message, StringComparison.Ordinal);
        await host.StopAsync();
    }

    private IHost Build(IReminderTable table)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddProvider(_logs);
        builder.Services.AddSingleton<TimeProvider>(_clock);
        builder.Services.AddDuragentSilo();
        builder.Services.AddSingleton(_probe);
        builder.Services.AddGrain<IReminderGrain, ReminderGrain>();
        _storage.Register(builder.Services);
        builder.Services.AddSingleton<IReminderTable>(table);
        return builder.Build();
    }

    private static ReminderEntry Row(string key, string name, DateTimeOffset due) =>
        new(new GrainId("reminder", key), name, due, Minute, MissedTickPolicy.Skip, LastTickAt: null, NextDueAt: due);

    /// <summary>A reminder table whose <see cref="ReadAllAsync"/> waits for <see cref="Release"/> (and may then fail).</summary>
    private sealed class GatedReminderTable(IReminderTable inner) : IReminderTable
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Exception? Failure { get; init; }

        public void Release() => _gate.TrySetResult();

        public async Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken = default)
        {
            await _gate.Task.WaitAsync(cancellationToken);
            return Failure is null ? await inner.ReadAllAsync(cancellationToken) : throw Failure;
        }

        public Task<IReadOnlyList<ReminderEntry>> ReadDueAsync(DateTimeOffset dueBy, CancellationToken cancellationToken = default) => inner.ReadDueAsync(dueBy, cancellationToken);

        public Task<IReadOnlyList<ReminderEntry>> ReadRowsAsync(GrainId grainId, CancellationToken cancellationToken = default) => inner.ReadRowsAsync(grainId, cancellationToken);

        public Task<ReminderEntry?> ReadRowAsync(GrainId grainId, string name, CancellationToken cancellationToken = default) => inner.ReadRowAsync(grainId, name, cancellationToken);

        public Task<string> UpsertRowAsync(ReminderEntry entry, CancellationToken cancellationToken = default) => inner.UpsertRowAsync(entry, cancellationToken);

        public Task<bool> RemoveRowAsync(GrainId grainId, string name, string? eTag, CancellationToken cancellationToken = default) => inner.RemoveRowAsync(grainId, name, eTag, cancellationToken);
    }
}
