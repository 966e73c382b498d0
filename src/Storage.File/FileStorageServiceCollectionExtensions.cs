using Duragent.Storage;
using Duragent.Storage.File;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registration of the file storage provider.</summary>
public static class FileStorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="FileStorageProvider"/> as the default storage: keyed <see cref="IGrainStorage"/>
    /// <c>"Default"</c> (<see cref="StorageProviderNames.Default"/>) and unkeyed <see cref="IGrainStorage"/>,
    /// <see cref="IEventLogStorage"/>, <see cref="IReminderTable"/> and <see cref="IGrainCatalog"/>. The options are
    /// validated when the host starts, and the provider is opened then (taking the workspace lock).
    /// </summary>
    public static IServiceCollection AddFileStorage(this IServiceCollection services, Action<FileStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<FileStorageOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FileStorageOptions>, FileStorageOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new FileStorageProvider(
            sp.GetRequiredService<IOptions<FileStorageOptions>>().Value,
            sp.GetService<ILoggerFactory>(),
            sp.GetService<TimeProvider>()));
        services.AddKeyedSingleton<IGrainStorage>(StorageProviderNames.Default, static (sp, _) => sp.GetRequiredService<FileStorageProvider>().GrainStorage);
        services.AddSingleton<IGrainStorage>(static sp => sp.GetRequiredService<FileStorageProvider>().GrainStorage);
        services.AddSingleton<IEventLogStorage>(static sp => sp.GetRequiredService<FileStorageProvider>().EventLog);
        services.AddSingleton<IReminderTable>(static sp => sp.GetRequiredService<FileStorageProvider>().Reminders);
        services.AddSingleton<IGrainCatalog>(static sp => sp.GetRequiredService<FileStorageProvider>().Catalog);
        services.AddSingleton<IStorageHealth>(static sp => sp.GetRequiredService<FileStorageProvider>().Health);
        services.AddHostedService<FileStorageOpener>();
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
