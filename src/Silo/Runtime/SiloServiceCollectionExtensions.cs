using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Duragent.Runtime;

/// <summary>Registration of the grain runtime and of grain types.</summary>
public static class SiloServiceCollectionExtensions
{
    /// <summary>
    /// Adds the grain runtime: activation table, grain factory (<see cref="IGrainFactory"/>), local grain directory,
    /// reminder service and a hosted service that starts it and shuts it down gracefully. Options are validated at
    /// startup. A <see cref="TimeProvider"/> is added (<see cref="TimeProvider.System"/>) unless one is registered.
    /// Storage providers (<c>IGrainStorage</c>, <c>IReminderTable</c>, …) are registered separately.
    /// </summary>
    public static IServiceCollection AddDuragentSilo(this IServiceCollection services, Action<SiloOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<SiloOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(Catalog)))
        {
            return services;
        }

        options.ValidateOnStart();
        services.AddLogging();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SiloOptions>, SiloOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ILocalSilo, LocalSilo>();
        services.TryAddSingleton<IGrainDirectory, LocalGrainDirectory>();
        services.AddSingleton<GrainTypeRegistry>();
        services.AddSingleton<Catalog>();
        services.AddSingleton(sp => sp.GetRequiredService<Catalog>().GrainFactory);
        services.AddSingleton<LocalReminderService>();
        services.AddHostedService<SiloHostedService>();
        return services;
    }

    /// <summary>
    /// Registers grain type <typeparamref name="TImplementation"/> for interface <typeparamref name="TInterface"/>. The
    /// interface needs <see cref="GrainTypeAttribute"/> and only asynchronous methods (Task, Task&lt;T&gt;, ValueTask,
    /// ValueTask&lt;T&gt;); anything else is rejected here with an error naming the member.
    /// </summary>
    public static IServiceCollection AddGrain<
        [DynamicallyAccessedMembers(GrainRegistration.InterfaceMembers)] TInterface,
        [DynamicallyAccessedMembers(GrainRegistration.ImplementationMembers)] TImplementation>(this IServiceCollection services)
        where TInterface : IGrainWithStringKey
        where TImplementation : Grain, TInterface
    {
        ArgumentNullException.ThrowIfNull(services);
        var registration = GrainRegistration.Create(typeof(TInterface), typeof(TImplementation));
        foreach (var descriptor in services)
        {
            if (descriptor.ImplementationInstance is GrainRegistration other
                && (other.GrainType == registration.GrainType || other.InterfaceType == registration.InterfaceType))
            {
                throw new InvalidOperationException(
                    $"Grain type '{registration.GrainType}' ({typeof(TInterface).Name}) clashes with the registered {other.InterfaceType.Name} → {other.ImplementationType.Name}.");
            }
        }

        services.AddSingleton(registration);
        return services;
    }
}
