using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Serialization.Serializers;

namespace Duragent.Storage.File;

/// <summary>
/// The default storage provider: grain state (Orleans' <c>IGrainStorage</c>), event logs, reminders (Orleans'
/// <c>IReminderTable</c>) and the grain catalog in plain files under the workspace's <c>.duragent</c> directory.
/// Opening it takes the workspace lock (<c>silo.lock</c>); disposing it finishes every queued flush, closes the files
/// and releases the lock. See <c>docs/storage.md</c>.
/// </summary>
public sealed class FileStorageProvider : IDisposable, IAsyncDisposable
{
    private readonly FileLayout _layout;
    private readonly WorkspaceLock _lock;
    private readonly FlushScheduler _scheduler;
    private readonly EventLogTable _logs;
    private readonly ILogger _logger;
    private volatile bool _disposed;

    /// <summary>Opens the provider on <see cref="FileStorageOptions.RootDirectory"/> (created if missing).</summary>
    /// <param name="options">The options.</param>
    /// <param name="loggerFactory">Where the provider logs; nowhere by default.</param>
    /// <param name="timeProvider">The clock; the system clock by default.</param>
    /// <param name="activators">
    /// Makes the fresh state a missing record reads as: the silo's (Orleans registers one); without a silo, one of
    /// Orleans' serializer made for the purpose.
    /// </param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="WorkspaceLockedException">Another process holds the workspace.</exception>
    public FileStorageProvider(FileStorageOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, IActivatorProvider? activators = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }

        timeProvider ??= TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Duragent.Storage.File");
        _layout = new FileLayout(options);
        DurableFiles.EnsureDirectory(_layout.Root, _layout.Root);
        _lock = WorkspaceLock.Acquire(_layout.LockFile, timeProvider);
        try
        {
            Statistics = new FileStorageStatistics();
            Health = new FileStorageHealth(_layout.Root, _logger, timeProvider);
            _scheduler = new FlushScheduler(options, _layout, _logger, Statistics, Health);
            _logs = new EventLogTable(_layout, options.MaxOpenLogs);
            GrainStorage = new FileGrainStorage(_layout, _scheduler, _logger, activators ?? StandaloneActivators.Instance, IsDisposed);
            EventLog = new FileEventLogStorage(_layout, _logs, _scheduler, _logger, Statistics, timeProvider, IsDisposed);
            Reminders = new FileReminderTable(_layout, _scheduler, _logger, IsDisposed);
            Catalog = new FileGrainCatalog(_layout, IsDisposed);
        }
        catch
        {
            _lock.Dispose();
            throw;
        }

        _logger.LogInformationOpened(_layout.Root, Environment.ProcessId, _layout.LockFile, options.SyncStrategy, options.FlushThreads);
    }

    /// <summary>The absolute storage root.</summary>
    public string RootDirectory => _layout.Root;

    /// <summary>Grain state.</summary>
    public FileGrainStorage GrainStorage { get; }

    /// <summary>Event logs.</summary>
    public FileEventLogStorage EventLog { get; }

    /// <summary>Reminder rows.</summary>
    public FileReminderTable Reminders { get; }

    /// <summary>Stored grains by type.</summary>
    public FileGrainCatalog Catalog { get; }

    /// <summary>Counters since the provider opened.</summary>
    public FileStorageStatistics Statistics { get; }

    /// <summary>Whether writes work right now (a full disk makes them fail until space is freed).</summary>
    public FileStorageHealth Health { get; }

    /// <summary>Event logs held in memory now (bounded by <see cref="FileStorageOptions.MaxOpenLogs"/> plus those in use).</summary>
    public int OpenLogCount => _logs.Count;

    /// <summary>Finishes queued flushes, closes every file and releases the workspace lock.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _scheduler.Dispose();
        Health.Dispose();
        _logs.Dispose();
        _lock.Dispose();
        _logger.LogInformationClosed(_layout.Root);
    }

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        // Joining the flush threads blocks; do it off the caller's thread.
        return _disposed ? ValueTask.CompletedTask : new ValueTask(Task.Run(Dispose));
    }

    private bool IsDisposed() => _disposed;
}
