using Duragent.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Duragent.Testing;

/// <summary>
/// The four storage contracts in memory, as one unit that can outlive a silo: start a second silo on the same
/// instance to simulate a restart.
/// </summary>
public sealed class InMemoryStorage
{
    /// <summary>The name of Orleans' default grain storage (keyed).</summary>
    public const string DefaultStorageName = "Default";

    /// <summary>The name the file provider's grain storage is also registered under (keyed), so grains that name it work here too.</summary>
    public const string FileStorageName = "file";

    public InMemoryStorage() => Catalog = new InMemoryGrainCatalog(GrainStorage, EventLog);

    public InMemoryGrainStorage GrainStorage { get; } = new();

    public InMemoryEventLogStorage EventLog { get; } = new();

    public InMemoryReminderTable Reminders { get; } = new();

    public InMemoryGrainCatalog Catalog { get; }

    /// <summary>
    /// Registers the stores the way the file provider does: Orleans' <see cref="IGrainStorage"/> keyed "Default", keyed
    /// "file" and unkeyed, Orleans' <see cref="IReminderTable"/>, <see cref="IEventLogStorage"/> and
    /// <see cref="IGrainCatalog"/>. The silo still has to turn reminders on (<c>AddReminders()</c>).
    /// </summary>
    public IServiceCollection Register(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddKeyedSingleton<IGrainStorage>(DefaultStorageName, GrainStorage);
        services.AddKeyedSingleton<IGrainStorage>(FileStorageName, GrainStorage);
        services.AddSingleton<IGrainStorage>(GrainStorage);
        services.AddSingleton<IReminderTable>(Reminders);
        services.AddSingleton<IEventLogStorage>(EventLog);
        services.AddSingleton<IGrainCatalog>(Catalog);
        return services;
    }
}

/// <summary>The checks the in-memory stores share with the file provider: every name that would become a path is a valid <see cref="GrainKey"/>.</summary>
internal static class InMemoryKeys
{
    private static readonly Lazy<IActivatorProvider> s_activators =
        new(() => new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<IActivatorProvider>());

    /// <summary>Orleans' activators, from a serializer container of their own (the stores outlive any one silo).</summary>
    public static IActivatorProvider Activators => s_activators.Value;

    public static void Check(GrainId grainId)
    {
        if (grainId.IsDefault)
        {
            throw new ArgumentException("The grain id is empty (default(GrainId)).", nameof(grainId));
        }

        GrainKey.Validate(grainId.Type.ToString(), "grain type");
        GrainKey.Validate(grainId.Key.ToString());
    }

    public static void Check(GrainId grainId, string name, string what = "state name")
    {
        Check(grainId);
        GrainKey.Validate(name, what);
    }
}
