using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Duragent.Runtime;

/// <summary>
/// The activation table: routes every request to the single activation of its grain (creating it on first use),
/// collects idle activations and runs the graceful shutdown.
/// </summary>
internal sealed class Catalog : IDisposable
{
    private const int StatusRunning = 0;
    private const int StatusDraining = 1;
    private const int StatusStopped = 2;

    private readonly ConcurrentDictionary<GrainId, ActivationData> _activations = new();
    private readonly GrainTypeRegistry _registry;
    private LocalReminderService? _reminders;
    private ITimer? _collector;
    private volatile int _status;

    public Catalog(
        IServiceProvider services,
        GrainTypeRegistry registry,
        IGrainDirectory directory,
        ILocalSilo silo,
        TimeProvider time,
        IOptions<SiloOptions> options,
        ILogger<Catalog> logger)
    {
        Services = services;
        _registry = registry;
        Directory = directory;
        SiloAddress = silo.Address;
        Time = time;
        Options = options.Value;
        Logger = logger;
        GrainFactory = new GrainFactory(this, registry);
    }

    public IServiceProvider Services { get; }

    public IGrainDirectory Directory { get; }

    public string SiloAddress { get; }

    public TimeProvider Time { get; }

    public SiloOptions Options { get; }

    public ILogger Logger { get; }

    public IGrainFactory GrainFactory { get; }

    public LocalReminderService Reminders => _reminders ??= Services.GetRequiredService<LocalReminderService>();

    /// <summary>Activations in the table (any state).</summary>
    public int Count => _activations.Count;

    public bool TryGetActivation(GrainId grainId, out ActivationData activation) =>
        _activations.TryGetValue(grainId, out activation!);

    /// <summary>Starts the idle collector.</summary>
    public void Start()
    {
        foreach (var registration in _registry.All)
        {
            registration.Activator.ValidateStorage(Services);
        }

        _collector ??= Time.CreateTimer(static s => ((Catalog)s!).CollectIdle(), this, Options.CollectionQuantum, Options.CollectionQuantum);
    }

    /// <summary>Sends a grain call; the task fails with <see cref="GrainCallTimeoutException"/> when the response timeout expires first.</summary>
    public Task<T> CallAsync<T>(GrainId grainId, GrainRegistration registration, GrainMethod method, object?[] arguments)
    {
        var call = new GrainCall<T>(grainId, method, arguments);
        call.StartTimeout(method.ResponseTimeout ?? Options.ResponseTimeout, Time);
        Dispatch(grainId, registration, call, forwarded: false);
        return call.Task;
    }

    /// <summary>Delivers a reminder tick as an ordinary grain call, activating the grain if needed.</summary>
    public Task InvokeReminderAsync(GrainId grainId, string reminderName, TickStatus status)
    {
        if (!_registry.TryGetByType(grainId.Type, out var registration))
        {
            return Task.FromException(new InvalidOperationException($"No grain type '{grainId.Type}' is registered in this silo; reminder '{reminderName}' of {grainId} cannot be delivered."));
        }

        if (registration.ReminderMethod is null)
        {
            return Task.FromException(new InvalidOperationException($"Grain class {registration.ImplementationType.Name} ({grainId.Type}) does not implement IRemindable; reminder '{reminderName}' cannot be delivered."));
        }

        var problem = GrainKey.Check(grainId.Key);
        if (problem is not null)
        {
            return Task.FromException(new InvalidOperationException($"Reminder '{reminderName}' names an invalid grain key: {problem}."));
        }

        return CallAsync<object?>(grainId, registration, registration.ReminderMethod, [reminderName, status]);
    }

    /// <summary>Deactivates one activation if there is one; completes when it is gone.</summary>
    public Task DeactivateAsync(GrainId grainId, DeactivationReason reason) =>
        _activations.TryGetValue(grainId, out var activation) ? activation.DeactivateAsync(reason) : Task.CompletedTask;

    /// <summary>Shutdown, step 1: reject new calls from outside grains (calls made by grain turns still run).</summary>
    public void BeginShutdown() => _status = StatusDraining;

    /// <summary>Shutdown, step 2: wait until no activation has running or queued work, or until <paramref name="cancellationToken"/>.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var busy = _activations.Values.Select(a => a.WhenIdleAsync()).Where(t => !t.IsCompleted).ToList();
            if (busy.Count == 0)
            {
                return;
            }

            try
            {
                await Task.WhenAll(busy).WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Logger.LogWarningDrainTimedOut(busy.Count(t => !t.IsCompleted));
                return;
            }
        }
    }

    /// <summary>Shutdown, step 3: reject every call and deactivate every activation with <see cref="DeactivationReason.ShuttingDown"/>.</summary>
    public async Task DeactivateAllAsync(CancellationToken cancellationToken)
    {
        _status = StatusStopped;
        _collector?.Dispose();
        var count = 0;
        while (!_activations.IsEmpty)
        {
            var deactivations = _activations.Values.Select(a => a.DeactivateAsync(DeactivationReason.ShuttingDown)).ToList();
            count += deactivations.Count;
            await Task.WhenAll(deactivations).WaitAsync(cancellationToken);
        }

        Logger.LogInformationShutdownCompleted(count);
    }

    public void Dispose() => _collector?.Dispose();

    internal void Redispatch(ActivationData from, WorkItem item) => Dispatch(from.GrainId, from.Registration, item, forwarded: true);

    internal void Remove(ActivationData activation) =>
        _activations.TryRemove(new KeyValuePair<GrainId, ActivationData>(activation.GrainId, activation));

    private void Dispatch(GrainId grainId, GrainRegistration registration, WorkItem item, bool forwarded)
    {
        var status = _status;
        if (status == StatusStopped || (status == StatusDraining && !forwarded && ActivationTaskScheduler.CurrentActivation is null))
        {
            item.Fail(new SiloUnavailableException($"The silo is shutting down and accepts no new calls; the {item.Description} to grain {grainId} was not run."));
            return;
        }

        while (true)
        {
            if (_activations.TryGetValue(grainId, out var activation))
            {
                // False means the activation just became invalid; it is already out of the table.
                if (activation.TryAccept(item))
                {
                    return;
                }

                continue;
            }

            var created = new ActivationData(this, grainId, registration);
            if (_activations.TryAdd(grainId, created))
            {
                created.TryAccept(item);
                created.StartActivation();
                return;
            }
        }
    }

    private void CollectIdle()
    {
        var now = Time.GetTimestamp();
        var collected = 0;
        foreach (var pair in _activations)
        {
            if (pair.Value.TryCollect(now))
            {
                collected++;
            }
        }

        if (collected > 0)
        {
            Logger.LogDebugCollectedIdle(collected, _activations.Count);
        }
    }
}
