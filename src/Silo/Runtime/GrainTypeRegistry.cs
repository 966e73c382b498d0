namespace Duragent.Runtime;

/// <summary>The registered grain types, by interface and by durable type name.</summary>
internal sealed class GrainTypeRegistry
{
    private readonly Dictionary<Type, GrainRegistration> _byInterface = [];
    private readonly Dictionary<string, GrainRegistration> _byName = new(StringComparer.Ordinal);

    public GrainTypeRegistry(IEnumerable<GrainRegistration> registrations)
    {
        foreach (var registration in registrations)
        {
            if (_byName.TryGetValue(registration.GrainType, out var other) && other.InterfaceType != registration.InterfaceType)
            {
                throw new InvalidOperationException(
                    $"Grain type name '{registration.GrainType}' is used by both {other.InterfaceType.FullName} and {registration.InterfaceType.FullName}.");
            }

            if (_byInterface.TryGetValue(registration.InterfaceType, out other) && other.ImplementationType != registration.ImplementationType)
            {
                throw new InvalidOperationException(
                    $"Grain interface {registration.InterfaceType.FullName} is registered twice ({other.ImplementationType.Name} and {registration.ImplementationType.Name}).");
            }

            _byInterface[registration.InterfaceType] = registration;
            _byName[registration.GrainType] = registration;
        }
    }

    public IEnumerable<GrainRegistration> All => _byName.Values;

    public GrainRegistration GetByInterface(Type interfaceType) =>
        _byInterface.TryGetValue(interfaceType, out var registration)
            ? registration
            : throw new InvalidOperationException(
                $"Grain interface {interfaceType.FullName} is not registered; call services.AddGrain<{interfaceType.Name}, TImplementation>().");

    public bool TryGetByType(string grainType, out GrainRegistration registration) =>
        _byName.TryGetValue(grainType, out registration!);
}
