using Duragent.Storage;
using Duragent.Storage.File;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registration of the file storage provider without a silo (tools, benchmarks, tests).</summary>
/// <remarks>A silo uses <c>ISiloBuilder.AddFileStorage</c>, which also turns on Orleans' reminder service.</remarks>
public static class FileStorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the file <see cref="Duragent.Memory.IMemoryStore"/> (<see cref="FileMemoryStore"/>) over the agents and
    /// world memory directories, unless a store is registered already.
    /// </summary>
    public static IServiceCollection AddFileMemoryStore(this IServiceCollection services, string agentsDirectory, string worldDirectory)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<Duragent.Memory.IMemoryStore>(new FileMemoryStore(agentsDirectory, worldDirectory));
        return services;
    }

    /// <summary>
    /// Registers one <see cref="FileStorageProvider"/> for every storage contract: Orleans' <see cref="IGrainStorage"/>
    /// keyed <c>"Default"</c> (<see cref="ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME"/>), keyed <c>"file"</c>
    /// (<see cref="FileStorageOptions.StorageName"/>) and unkeyed; Orleans' <see cref="IReminderTable"/>;
    /// <see cref="IEventLogStorage"/>, <see cref="IGrainCatalog"/> and <see cref="IStorageHealth"/>. The options are
    /// validated when the host starts, and the provider is opened then (taking the workspace lock).
    /// </summary>
    public static IServiceCollection AddFileStorage(this IServiceCollection services, Action<FileStorageOptions> configure)
    {
        services.AddFileStorageProviders(configure);
        services.AddHostedService<FileStorageOpener>();
        return services;
    }

    // What a silo and a plain host share: the options, the provider and the contracts it serves.
    internal static IServiceCollection AddFileStorageProviders(this IServiceCollection services, Action<FileStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<FileStorageOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FileStorageOptions>, FileStorageOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new FileStorageProvider(
            sp.GetRequiredService<IOptions<FileStorageOptions>>().Value,
            sp.GetService<ILoggerFactory>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<IActivatorProvider>()));

        // Orleans' helper registers the keyed provider, and for "Default" also the unkeyed one.
        services.AddGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, static (sp, _) => sp.GetRequiredService<FileStorageProvider>().GrainStorage);
        services.AddGrainStorage(FileStorageOptions.StorageName, static (sp, _) => sp.GetRequiredService<FileStorageProvider>().GrainStorage);
        services.AddSingleton<IReminderTable>(static sp => sp.GetRequiredService<FileStorageProvider>().Reminders);
        services.AddSingleton<IEventLogStorage>(static sp => sp.GetRequiredService<FileStorageProvider>().EventLog);
        services.AddSingleton<IGrainCatalog>(static sp => sp.GetRequiredService<FileStorageProvider>().Catalog);
        services.AddSingleton<IStorageHealth>(static sp => sp.GetRequiredService<FileStorageProvider>().Health);
        return services;
    }

    private sealed class FileStorageOptionsValidator : IValidateOptions<FileStorageOptions>
    {
        public ValidateOptionsResult Validate(string? name, FileStorageOptions options)
        {
            var problems = options.Validate();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }

    // Opens the provider when the host starts, so that a locked workspace fails the start rather than the first call.
    private sealed class FileStorageOpener(FileStorageProvider provider) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            GC.KeepAlive(provider);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
