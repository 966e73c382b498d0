using Duragent.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Duragent.Testing;

/// <summary>
/// An in-process silo for tests (like Orleans' TestingHost), started in one line on a fresh temporary directory
/// with a <see cref="FakeTimeProvider"/>:
/// <code>
/// await using var silo = await TestSilo.StartAsync(b => b.AddGrain&lt;ICounterGrain, CounterGrain&gt;());
/// var counter = silo.GrainFactory.GetGrain&lt;ICounterGrain&gt;("c1");
/// </code>
/// Storage is in memory unless <see cref="TestSiloOptions.UseFileStorage"/> is set.
/// </summary>
public sealed class TestSilo : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly TempDirectory? _ownedDirectory;
    private readonly TestLogSink _logs;
    private int _stopped;

    private TestSilo(IHost host, string directory, TempDirectory? ownedDirectory, FakeTimeProvider clock, InMemoryStorage? storage, TestLogSink logs)
    {
        _host = host;
        Directory = directory;
        _ownedDirectory = ownedDirectory;
        Clock = clock;
        InMemoryStorage = storage;
        _logs = logs;
    }

    /// <summary>The silo's workspace directory (temporary unless <see cref="TestSiloOptions.Directory"/> was given).</summary>
    public string Directory { get; }

    /// <summary>The silo's clock; <see cref="FakeTimeProvider.Advance"/> drives timeouts, collection, timers and reminders.</summary>
    public FakeTimeProvider Clock { get; }

    public IServiceProvider Services => _host.Services;

    public IGrainFactory GrainFactory => Services.GetRequiredService<IGrainFactory>();

    /// <summary>The in-memory stores, or null when the silo uses file storage.</summary>
    public InMemoryStorage? InMemoryStorage { get; }

    /// <summary>Everything the silo logged (Debug and up).</summary>
    public IReadOnlyList<LogRecord> Logs => _logs.Records;

    internal bool UsesFileStorage => InMemoryStorage is null;

    /// <summary>Starts a silo; <paramref name="configure"/> registers grains, services and options.</summary>
    public static async Task<TestSilo> StartAsync(Action<TestSiloBuilder>? configure = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var silo = new TestSiloBuilder(builder.Services);
        configure?.Invoke(silo);
        var options = silo.Options;

        var owned = options.Directory is null ? new TempDirectory("silo") : null;
        var directory = options.Directory ?? owned!.Path;
        var clock = options.Clock ?? new FakeTimeProvider();
        var logs = new TestLogSink();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddDuragentSilo();
        var storage = RegisterStorage(builder.Services, options, directory);

        var host = builder.Build();
        try
        {
            await host.StartAsync();

            // Reminders load in the background after start; tests that move the clock expect them scheduled.
            await host.Services.GetRequiredService<LocalReminderService>().Loaded;
        }
        catch
        {
            host.Dispose();
            owned?.Dispose();
            throw;
        }

        return new TestSilo(host, directory, owned, clock, storage, logs);
    }

    /// <summary>The first log record (already logged or still to come) that matches <paramref name="match"/>.</summary>
    public Task<LogRecord> WaitForLogAsync(Func<LogRecord, bool> match) => _logs.WaitForAsync(match);

    /// <summary>
    /// Waits until every reminder tick whose delivery has started is delivered, recorded in the reminder table and its
    /// next tick planned. Call it after seeing a tick arrive and before moving the clock on.
    /// </summary>
    public Task WaitForReminderDeliveriesAsync() =>
        Services.GetRequiredService<LocalReminderService>().WaitForDeliveriesAsync(CancellationToken.None).WaitFor("reminder deliveries to be recorded");

    /// <summary>Deactivates the grain's activation (reason <see cref="DeactivationReason.RuntimeRequested"/>) and waits until it is gone.</summary>
    public Task DeactivateAsync(GrainId grainId) =>
        Services.GetRequiredService<Catalog>().DeactivateAsync(grainId, DeactivationReason.RuntimeRequested);

    /// <summary>Stops the silo gracefully: new calls are refused, queued calls drain, every activation deactivates.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _host.StopAsync();
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
            _host.Dispose();
            _ownedDirectory?.Dispose();
        }
    }

    // The storage switch: in-memory stores by default, the file provider with UseFileStorage.
    private static InMemoryStorage? RegisterStorage(IServiceCollection services, TestSiloOptions options, string directory)
    {
        if (options.UseFileStorage)
        {
            services.AddFileStorage(o => o.RootDirectory = directory);
            return null;
        }

        var storage = options.InMemoryStorage ?? new InMemoryStorage();
        storage.Register(services);
        return storage;
    }
}
