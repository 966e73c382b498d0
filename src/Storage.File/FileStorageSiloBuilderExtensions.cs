using Duragent.Storage;
using Duragent.Storage.File;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Providers;
using Orleans.Runtime;
using Orleans.Storage;

namespace Orleans.Hosting;

/// <summary>Registration of the file storage provider in an Orleans silo.</summary>
public static class FileStorageSiloBuilderExtensions
{
    /// <summary>
    /// Makes the file provider the silo's storage: Orleans' default <see cref="IGrainStorage"/> (keyed
    /// <c>"Default"</c> and unkeyed) and the one named <c>"file"</c> (<see cref="FileStorageOptions.StorageName"/>);
    /// the reminder service (<see cref="SiloBuilderReminderExtensions.AddReminders(ISiloBuilder)"/>) with the file
    /// <see cref="IReminderTable"/>; and <see cref="IEventLogStorage"/>, <see cref="IGrainCatalog"/> and
    /// <see cref="IStorageHealth"/>. The options are validated when the host starts; the provider opens (taking the
    /// workspace lock) at the first stage of the silo's start, so a workspace held by another silo fails the start.
    /// </summary>
    public static ISiloBuilder AddFileStorage(this ISiloBuilder builder, Action<FileStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddFileStorageProviders(configure);
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, FileStorageLifecycle>();
        builder.AddReminders();
        return builder;
    }

    // Opens the provider when the silo starts. The container disposes it (after the silo stopped and its grains wrote
    // their state), which releases the workspace lock.
    private sealed class FileStorageLifecycle(IServiceProvider services) : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(FileStorageProvider), ServiceLifecycleStage.RuntimeInitialize, _ =>
            {
                services.GetRequiredService<FileStorageProvider>();
                return Task.CompletedTask;
            });
    }
}
