using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Duragent.Runtime;

/// <summary>
/// A registered grain type: its interface, implementation, durable type name and the metadata of every method.
/// Created by <c>services.AddGrain&lt;TInterface, TImplementation&gt;()</c>, which rejects unusable types at once.
/// </summary>
internal sealed class GrainRegistration
{
    /// <summary>What reflection needs of a grain interface: everything (the proxy implements it).</summary>
    public const DynamicallyAccessedMemberTypes InterfaceMembers = DynamicallyAccessedMemberTypes.All;

    /// <summary>What reflection needs of a grain class: its constructors and the methods implementing its interfaces.</summary>
    public const DynamicallyAccessedMemberTypes ImplementationMembers =
        DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.Interfaces
        | DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.NonPublicMethods;

    private readonly Dictionary<MethodInfo, GrainMethod> _methods;

    private GrainRegistration(Type interfaceType, [DynamicallyAccessedMembers(ImplementationMembers)] Type implementationType, string grainType, Dictionary<MethodInfo, GrainMethod> methods, GrainMethod? reminderMethod)
    {
        InterfaceType = interfaceType;
        ImplementationType = implementationType;
        GrainType = grainType;
        _methods = methods;
        ReminderMethod = reminderMethod;
        Activator = GrainActivator.Create(implementationType, grainType);
    }

    public Type InterfaceType { get; }

    public Type ImplementationType { get; }

    /// <summary>The durable grain type name from <see cref="GrainTypeAttribute"/>.</summary>
    public string GrainType { get; }

    public GrainActivator Activator { get; }

    /// <summary><see cref="IRemindable.ReceiveReminderAsync"/> of the implementation, or null when it is not remindable.</summary>
    public GrainMethod? ReminderMethod { get; }

    public GrainMethod GetMethod(MethodInfo interfaceMethod) =>
        _methods.TryGetValue(interfaceMethod, out var method)
            ? method
            : throw new InvalidOperationException($"{interfaceMethod.DeclaringType?.Name}.{interfaceMethod.Name} is not a method of grain interface {InterfaceType.Name}.");

    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "The interfaces of a grain interface kept with All members are kept with theirs.")]
    public static GrainRegistration Create(
        [DynamicallyAccessedMembers(InterfaceMembers)] Type interfaceType,
        [DynamicallyAccessedMembers(ImplementationMembers)] Type implementationType)
    {
        ArgumentNullException.ThrowIfNull(interfaceType);
        ArgumentNullException.ThrowIfNull(implementationType);
        if (!interfaceType.IsInterface || !typeof(IGrainWithStringKey).IsAssignableFrom(interfaceType))
        {
            throw new InvalidOperationException($"{interfaceType.FullName} is not a grain interface (an interface extending IGrainWithStringKey).");
        }

        var name = interfaceType.GetCustomAttribute<GrainTypeAttribute>(inherit: false)?.Name
            ?? throw new InvalidOperationException(
                $"Grain interface {interfaceType.FullName} has no [GrainType(\"name\")] attribute. The name keys stored state, events and reminders, so it must be explicit and stable.");
        var problem = GrainKey.Check(name);
        if (problem is not null)
        {
            throw new InvalidOperationException($"Grain interface {interfaceType.FullName} has an invalid grain type name '{name}': {problem}.");
        }

        if (!implementationType.IsClass || implementationType.IsAbstract || !typeof(Grain).IsAssignableFrom(implementationType)
            || !interfaceType.IsAssignableFrom(implementationType))
        {
            throw new InvalidOperationException(
                $"Grain class {implementationType.FullName} must be a concrete class deriving from Grain and implementing {interfaceType.Name}.");
        }

        var methods = new Dictionary<MethodInfo, GrainMethod>();
        foreach (var type in interfaceType.GetInterfaces().Prepend(interfaceType))
        {
            var map = implementationType.GetInterfaceMap(type);
            for (var i = 0; i < map.InterfaceMethods.Length; i++)
            {
                if (!map.InterfaceMethods[i].IsStatic)
                {
                    methods[map.InterfaceMethods[i]] = GrainMethod.Create(map.InterfaceMethods[i], map.TargetMethods[i]);
                }
            }
        }

        GrainMethod? reminderMethod = null;
        if (typeof(IRemindable).IsAssignableFrom(implementationType))
        {
            var map = implementationType.GetInterfaceMap(typeof(IRemindable));
            reminderMethod = methods.GetValueOrDefault(map.InterfaceMethods[0]) ?? GrainMethod.Create(map.InterfaceMethods[0], map.TargetMethods[0]);
        }

        return new GrainRegistration(interfaceType, implementationType, name, methods, reminderMethod);
    }
}
