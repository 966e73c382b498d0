using Duragent.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Duragent.Testing;

/// <summary>
/// The four storage contracts in memory, as one unit that can outlive a silo: start a second silo on the same
/// instance to simulate a restart.
/// </summary>
public sealed class InMemoryStorage
{
    /// <summary>The name the default grain storage is also registered under (keyed).</summary>
    public const string DefaultStorageName = "Default";

    public InMemoryStorage() => Catalog = new InMemoryGrainCatalog(GrainStorage, EventLog);

    public InMemoryGrainStorage GrainStorage { get; } = new();

    public InMemoryEventLogStorage EventLog { get; } = new();

    public InMemoryReminderTable Reminders { get; } = new();

    public InMemoryGrainCatalog Catalog { get; }

    /// <summary>Registers the stores like a storage provider does: <see cref="IGrainStorage"/> keyed "Default" and unkeyed, plus the other three.</summary>
    public IServiceCollection Register(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddKeyedSingleton<IGrainStorage>(DefaultStorageName, GrainStorage);
        services.AddSingleton<IGrainStorage>(GrainStorage);
        services.AddSingleton<IEventLogStorage>(EventLog);
        services.AddSingleton<IReminderTable>(Reminders);
        services.AddSingleton<IGrainCatalog>(Catalog);
        return services;
    }
}
