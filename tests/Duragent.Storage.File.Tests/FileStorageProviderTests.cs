using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace Duragent.Storage.File.Tests;

/// <summary>The provider as a whole: the workspace lock, options, registration and the catalog.</summary>
public sealed class FileStorageProviderTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void LockFile_KeepsASecondProviderOut_NamingThePathAndThePid()
    {
        using var first = new FileStorageProvider(new FileStorageOptions { RootDirectory = _directory.Path });

        var error = Assert.Throws<WorkspaceLockedException>(() => new FileStorageProvider(new FileStorageOptions { RootDirectory = _directory.Path }));

        var lockFile = Path.Combine(_directory.Path, "silo.lock");
        Assert.Contains(lockFile, error.Message);
        Assert.Equal(lockFile, error.LockFile);
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(Environment.ProcessId, error.HolderPid);
            Assert.Contains($"pid {Environment.ProcessId}", error.Message);
        }
    }

    [Fact]
    public void LockFile_IsReleasedOnDispose()
    {
        new FileStorageProvider(new FileStorageOptions { RootDirectory = _directory.Path }).Dispose();

        var second = new FileStorageProvider(new FileStorageOptions { RootDirectory = _directory.Path });
        second.Dispose();

        Assert.Contains($"pid: {Environment.ProcessId}", System.IO.File.ReadAllText(Path.Combine(_directory.Path, "silo.lock")));
    }

    [Fact]
    public void MissingRootDirectory_IsCreated()
    {
        var root = Path.Combine(_directory.Path, "workspace", ".duragent");

        using var provider = new FileStorageProvider(new FileStorageOptions { RootDirectory = root });

        Assert.True(Directory.Exists(root));
        Assert.Equal(root, provider.RootDirectory);
    }

    [Theory]
    [InlineData("", 16, "session", "sessions", "RootDirectory is required")]
    [InlineData("root", 0, "session", "sessions", "FlushThreads must be between 1 and 1024")]
    [InlineData("root", 16, "session", "../escape", "TypeFolders['session'] = '../escape' is invalid")]
    [InlineData("root", 16, "session", "reminders", "'reminders/' is reserved")]
    [InlineData("root", 16, "a/b", "x", "TypeFolders has an invalid grain type 'a/b'")]
    public void InvalidOptions_AreRejectedNamingTheComponentAndOption(string root, int threads, string type, string folder, string expected)
    {
        var options = new FileStorageOptions
        {
            RootDirectory = root.Length == 0 ? "" : Path.Combine(_directory.Path, root),
            FlushThreads = threads,
        };
        options.TypeFolders[type] = folder;

        var error = Assert.Throws<ArgumentException>(() => new FileStorageProvider(options));

        Assert.Contains("File storage: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task AddFileStorage_RegistersOneProviderForEveryContract()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddFileStorage(o => o.RootDirectory = _directory.Path);
        await using var container = services.BuildServiceProvider();

        var provider = container.GetRequiredService<FileStorageProvider>();

        Assert.Same(provider.GrainStorage, container.GetRequiredKeyedService<IGrainStorage>(StorageProviderNames.Default));
        Assert.Same(provider.GrainStorage, container.GetRequiredKeyedService<IGrainStorage>(FileStorageOptions.StorageName));
        Assert.Same(provider.GrainStorage, container.GetRequiredService<IGrainStorage>());
        Assert.Same(provider.EventLog, container.GetRequiredService<IEventLogStorage>());
        Assert.Same(provider.Reminders, container.GetRequiredService<IReminderTable>());
        Assert.Same(provider.Catalog, container.GetRequiredService<IGrainCatalog>());
        Assert.Same(provider.Health, container.GetRequiredService<IStorageHealth>());
        Assert.Contains(container.GetServices<IHostedService>(), s => s.GetType().Name == "FileStorageOpener");
    }

    [Fact]
    public async Task AddFileStorage_WithInvalidOptions_FailsValidationNamingTheComponent()
    {
        var services = new ServiceCollection();
        services.AddFileStorage(o => o.FlushThreads = -1);
        await using var container = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => container.GetRequiredService<IOptions<FileStorageOptions>>().Value);

        Assert.Contains("File storage: RootDirectory is required", error.Message);
        Assert.Contains("File storage: FlushThreads", error.Message);
    }

    [Fact]
    public async Task DisposingTheContainer_ReleasesTheLock()
    {
        var services = new ServiceCollection();
        services.AddFileStorage(o => o.RootDirectory = _directory.Path);
        await using (var container = services.BuildServiceProvider())
        {
            var log = container.GetRequiredService<IEventLogStorage>();
            await log.AppendAsync(GrainId.Create("session", "s1"), 1, [new EventToAppend("ping", DateTimeOffset.UnixEpoch, default)]);
        }

        using var again = new FileStorageProvider(new FileStorageOptions { RootDirectory = _directory.Path });
        Assert.Equal(2, (await again.EventLog.GetInfoAsync(GrainId.Create("session", "s1"))).NextSeq);
    }

    [Fact]
    public async Task Catalog_ListsGrainsWithStateOrEvents()
    {
        using var provider = new FileStorageProvider(new FileStorageOptions { RootDirectory = _directory.Path });
        await provider.GrainStorage.WriteStateAsync("state", GrainId.Create("session", "with-state"), new GrainState<ContractState>());
        await provider.GrainStorage.WriteStateAsync("profile", GrainId.Create("session", "with-named-state"), new GrainState<ContractState>());
        await provider.EventLog.AppendAsync(GrainId.Create("session", "with-events"), 1, [new EventToAppend("ping", DateTimeOffset.UnixEpoch, default)]);
        await provider.GrainStorage.WriteStateAsync("state", GrainId.Create("schedule", "other-type"), new GrainState<ContractState>());
        var cleared = new GrainState<ContractState>();
        await provider.GrainStorage.WriteStateAsync("state", GrainId.Create("session", "cleared"), cleared);
        await provider.GrainStorage.ClearStateAsync("state", GrainId.Create("session", "cleared"), cleared);
        Directory.CreateDirectory(Path.Combine(_directory.Path, "sessions", "empty"));
        Directory.CreateDirectory(Path.Combine(_directory.Path, "sessions", ".hidden"));
        System.IO.File.WriteAllText(Path.Combine(_directory.Path, "sessions", ".hidden", "state.yaml"), "version: 1\n");

        var keys = new List<string>();
        await foreach (var key in provider.Catalog.ListKeysAsync("session"))
        {
            keys.Add(key);
        }

        Assert.Equal(["with-events", "with-named-state", "with-state"], keys.Order());
    }

    [Fact]
    public async Task Catalog_OfATypeWithNothingStored_IsEmpty()
    {
        using var provider = new FileStorageProvider(new FileStorageOptions { RootDirectory = _directory.Path });

        await foreach (var key in provider.Catalog.ListKeysAsync("nothing"))
        {
            Assert.Fail($"unexpected key {key}");
        }

        await Assert.ThrowsAsync<ArgumentException>(async () =>
        {
            await foreach (var key in provider.Catalog.ListKeysAsync("../etc"))
            {
                Assert.Fail($"unexpected key {key}");
            }
        });
    }
}
