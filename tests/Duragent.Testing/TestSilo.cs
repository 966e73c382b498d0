using Duragent.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Duragent.Testing;

/// <summary>
/// A one-silo Orleans test cluster (<see cref="InProcessTestCluster"/>) on a fresh temporary directory, with storage
/// in memory unless <see cref="UseFileStorage"/> is set. Grain calls go through the cluster's client, so every
/// argument and result crosses Orleans' serializer as it does for a real client. The silo runs on real time: Orleans'
/// timers, reminders and membership cannot run on a fake clock (a cluster on one does not even start).
/// <code>
/// await using var silo = await TestSilo.StartAsync(b => b.Services.AddSingleton(...));
/// var session = silo.GrainFactory.GetGrain&lt;ISessionGrain&gt;("s1");
/// </code>
/// </summary>
public sealed class TestSilo : IAsyncDisposable
{
    private readonly InProcessTestCluster _cluster;
    private readonly TempDirectory? _ownedDirectory;
    private readonly TestLogSink _logs;
    private int _stopped;

    private TestSilo(InProcessTestCluster cluster, string directory, TempDirectory? ownedDirectory, InMemoryStorage? storage, TestLogSink logs)
    {
        _cluster = cluster;
        Directory = directory;
        _ownedDirectory = ownedDirectory;
        InMemoryStorage = storage;
        _logs = logs;
    }

    /// <summary>The silo's workspace directory (temporary unless <see cref="TestSiloBuilder.Directory"/> was given).</summary>
    public string Directory { get; }

    /// <summary>The silo's services.</summary>
    public IServiceProvider Services => _cluster.GetSiloServiceProvider(_cluster.Silos[0].SiloAddress);

    /// <summary>The cluster client's grain factory.</summary>
    public IGrainFactory GrainFactory => _cluster.Client;

    /// <summary>The in-memory stores, or null when the silo uses file storage.</summary>
    public InMemoryStorage? InMemoryStorage { get; }

    /// <summary>Everything the silo logged (Debug and up).</summary>
    public IReadOnlyList<LogRecord> Logs => _logs.Records;

    internal bool UsesFileStorage => InMemoryStorage is null;

    /// <summary>Starts a silo; <paramref name="configure"/> registers services and chooses the storage.</summary>
    public static async Task<TestSilo> StartAsync(Action<TestSiloBuilder>? configure = null)
    {
        var setup = new TestSiloBuilder();
        configure?.Invoke(setup);
        var owned = setup.Directory is null ? new TempDirectory("silo") : null;
        var directory = setup.Directory ?? owned!.Path;
        var logs = new TestLogSink();
        var storage = setup.UseFileStorage ? null : setup.InMemoryStorage ?? new InMemoryStorage();

        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Logging.AddProvider(logs);
            host.Logging.SetMinimumLevel(LogLevel.Debug);

            // The test cluster's host configuration sets its own levels: the sink's own rules take precedence.
            host.Logging.AddFilter<TestLogSink>(null, LogLevel.Debug);
            host.Logging.AddFilter<TestLogSink>("Orleans", LogLevel.Warning);
            host.Logging.AddFilter<TestLogSink>("Microsoft", LogLevel.Warning);
            host.Logging.QuietOrleansLogs();
        });
        builder.ConfigureSilo((_, silo) =>
        {
            if (storage is null)
            {
                silo.AddFileStorage(o => o.RootDirectory = directory);
            }
            else
            {
                silo.AddReminders();
                storage.Register(silo.Services);
            }

            foreach (var service in setup.Services)
            {
                silo.Services.Add(service);
            }

            setup.ConfigureSilo?.Invoke(silo);
        });
        builder.ConfigureClientHost(host => host.Logging.QuietOrleansLogs());

        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            owned?.Dispose();
            throw;
        }

        return new TestSilo(cluster, directory, owned, storage, logs);
    }

    /// <summary>The first log record (already logged or still to come) that matches <paramref name="match"/>.</summary>
    public Task<LogRecord> WaitForLogAsync(Func<LogRecord, bool> match) => _logs.WaitForAsync(match);

    /// <summary>Deactivates the grain's activation and waits until it is gone.</summary>
    public Task DeactivateAsync(GrainId grainId) => _cluster.DeactivateAsync(grainId);

    /// <summary>Stops the silo gracefully: every activation deactivates (their hooks flush state).</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _cluster.StopAllSilosAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            await _cluster.DisposeAsync();
            _ownedDirectory?.Dispose();
        }
    }
}

/// <summary>The hook of <see cref="TestSilo.StartAsync"/>: register services, choose the storage.</summary>
public sealed class TestSiloBuilder
{
    /// <summary>Services added to the silo (test doubles, the domain's services).</summary>
    public IServiceCollection Services { get; } = new ServiceCollection();

    /// <summary>Further Orleans configuration of the silo.</summary>
    public Action<ISiloBuilder>? ConfigureSilo { get; set; }

    /// <summary>Store grain state, events and reminders with the file provider under <see cref="Directory"/> instead of in memory.</summary>
    public bool UseFileStorage { get; set; }

    /// <summary>Run on this directory instead of a fresh temporary one (which the silo deletes on dispose).</summary>
    public string? Directory { get; set; }

    /// <summary>Use these in-memory stores instead of new ones (e.g. to restart on the same data).</summary>
    public InMemoryStorage? InMemoryStorage { get; set; }

    /// <summary>Runs on the storage and directory of <paramref name="other"/>: a restart of the same "machine".</summary>
    public TestSiloBuilder UseSameStorageAs(TestSilo other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Directory = other.Directory;
        InMemoryStorage = other.InMemoryStorage;
        UseFileStorage = other.UsesFileStorage;
        return this;
    }
}
