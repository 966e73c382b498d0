using Orleans;

namespace Duragent.Storage.File.Tests;

public sealed class FileReminderTableContractTests : ReminderTableContractTests
{
    private readonly TempDirectory _directory = new();
    private FileStorageProvider? _provider;

    protected override Task<IReminderTable> CreateTableAsync()
    {
        _provider = new FileStorageProvider(new FileStorageOptions { RootDirectory = _directory.Path });
        return Task.FromResult<IReminderTable>(_provider.Reminders);
    }

    protected override async Task DisposeTableAsync()
    {
        await _provider!.DisposeAsync();
        _directory.Dispose();
    }
}
