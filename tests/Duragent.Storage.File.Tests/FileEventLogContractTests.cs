namespace Duragent.Storage.File.Tests;

/// <summary>The event log contract with the default options.</summary>
public sealed class FileEventLogContractTests : EventLogContractTests
{
    private readonly TempDirectory _directory = new();
    private FileStorageProvider? _provider;

    protected override Task<IEventLogStorage> CreateStorageAsync()
    {
        _provider = new FileStorageProvider(new FileStorageOptions { RootDirectory = _directory.Path });
        return Task.FromResult<IEventLogStorage>(_provider.EventLog);
    }

    protected override async Task DisposeStorageAsync()
    {
        await _provider!.DisposeAsync();
        _directory.Dispose();
    }
}

/// <summary>The event log contract with per-file fdatasync only, on two flush threads, and few open logs.</summary>
public sealed class FileEventLogPerFileContractTests : EventLogContractTests
{
    private readonly TempDirectory _directory = new();
    private FileStorageProvider? _provider;

    protected override Task<IEventLogStorage> CreateStorageAsync()
    {
        _provider = new FileStorageProvider(new FileStorageOptions
        {
            RootDirectory = _directory.Path,
            SyncStrategy = FileSyncStrategy.PerFile,
            FlushThreads = 2,
            MaxOpenLogs = 4,
        });
        return Task.FromResult<IEventLogStorage>(_provider.EventLog);
    }

    protected override async Task DisposeStorageAsync()
    {
        await _provider!.DisposeAsync();
        _directory.Dispose();
    }
}

/// <summary>The event log contract with syncfs rounds as soon as two logs wait.</summary>
public sealed class FileEventLogSyncFsContractTests : EventLogContractTests
{
    private readonly TempDirectory _directory = new();
    private FileStorageProvider? _provider;

    protected override Task<IEventLogStorage> CreateStorageAsync()
    {
        _provider = new FileStorageProvider(new FileStorageOptions
        {
            RootDirectory = _directory.Path,
            SyncStrategy = FileSyncStrategy.SyncFsWhenBusy,
            SyncFsMinDirtyLogs = 2,
            FlushThreads = 2,
        });
        return Task.FromResult<IEventLogStorage>(_provider.EventLog);
    }

    protected override async Task DisposeStorageAsync()
    {
        await _provider!.DisposeAsync();
        _directory.Dispose();
    }
}
