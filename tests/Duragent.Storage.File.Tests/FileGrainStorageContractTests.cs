using Orleans;
using Orleans.Storage;

namespace Duragent.Storage.File.Tests;

public sealed class FileGrainStorageContractTests : GrainStorageContractTests
{
    private readonly TempDirectory _directory = new();
    private FileStorageProvider? _provider;

    protected override Task<IGrainStorage> CreateStorageAsync()
    {
        _provider = new FileStorageProvider(new FileStorageOptions { RootDirectory = _directory.Path });
        return Task.FromResult<IGrainStorage>(_provider.GrainStorage);
    }

    protected override async Task DisposeStorageAsync()
    {
        await _provider!.DisposeAsync();
        _directory.Dispose();
    }
}
