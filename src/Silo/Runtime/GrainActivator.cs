using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Duragent.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Duragent.Runtime;

/// <summary>
/// Creates grain instances: the constructor's services come from the container (<see cref="ActivatorUtilities"/>),
/// each <see cref="PersistentStateAttribute"/> parameter gets a facet bound to its storage provider, and a parameter of
/// type <see cref="IGrainContext"/> gets the activation's context.
/// </summary>
internal sealed class GrainActivator
{
    /// <summary>The storage provider name that also resolves to the unkeyed <see cref="IGrainStorage"/>.</summary>
    public const string DefaultStorageName = "Default";

    private static readonly MethodInfo s_createFacet =
        typeof(GrainActivator).GetMethod(nameof(CreateFacet), BindingFlags.NonPublic | BindingFlags.Static)!;

    private readonly ObjectFactory _factory;
    private readonly bool _injectsContext;
    private readonly FacetSpec[] _facets;
    private readonly string _grainType;

    private GrainActivator(ObjectFactory factory, bool injectsContext, FacetSpec[] facets, string grainType)
    {
        _factory = factory;
        _injectsContext = injectsContext;
        _facets = facets;
        _grainType = grainType;
    }

    /// <summary>Inspects the constructor of <paramref name="implementationType"/>; throws when it cannot be used.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2060", Justification = "CreateFacet<TState> is instantiated with the state type of an IPersistentState<TState> constructor parameter of a registered grain class, which registration keeps.")]
    public static GrainActivator Create([DynamicallyAccessedMembers(GrainRegistration.ImplementationMembers)] Type implementationType, string grainType)
    {
        var constructor = SelectConstructor(implementationType);
        var facets = new List<FacetSpec>();
        var injectsContext = false;
        foreach (var parameter in constructor.GetParameters())
        {
            var attribute = parameter.GetCustomAttribute<PersistentStateAttribute>();
            if (attribute is null)
            {
                injectsContext |= parameter.ParameterType == typeof(IGrainContext);
                continue;
            }

            var type = parameter.ParameterType;
            if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(IPersistentState<>))
            {
                throw new InvalidOperationException(
                    $"Grain class {implementationType.FullName}: parameter '{parameter.Name}' has [PersistentState] but is of type {type.Name}; it must be IPersistentState<TState>.");
            }

            var problem = GrainKey.Check(attribute.StateName);
            if (problem is not null)
            {
                throw new InvalidOperationException(
                    $"Grain class {implementationType.FullName}: parameter '{parameter.Name}' has an invalid state name '{attribute.StateName}': {problem}.");
            }

            if (facets.Exists(f => f.StateName == attribute.StateName))
            {
                throw new InvalidOperationException(
                    $"Grain class {implementationType.FullName}: two [PersistentState] parameters use the state name '{attribute.StateName}'.");
            }

            var stateType = type.GetGenericArguments()[0];
            var create = s_createFacet.MakeGenericMethod(stateType).CreateDelegate<Func<IGrainStorage, string, GrainId, IStateFacet>>();
            facets.Add(new FacetSpec(attribute.StateName, attribute.StorageName, type, parameter.Name ?? "?", create));
        }

        var argumentTypes = new List<Type>();
        if (injectsContext)
        {
            argumentTypes.Add(typeof(IGrainContext));
        }

        argumentTypes.AddRange(facets.Select(f => f.ParameterType));
        ObjectFactory factory;
        try
        {
            factory = ActivatorUtilities.CreateFactory(implementationType, [.. argumentTypes]);
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException($"Grain class {implementationType.FullName} cannot be constructed: {ex.Message}", ex);
        }

        return new GrainActivator(factory, injectsContext, [.. facets], grainType);
    }

    /// <summary>Creates the instance and its state facets (not yet read).</summary>
    public (Grain Grain, IStateFacet[] Facets) CreateInstance(IServiceProvider services, IGrainContext context)
    {
        var arguments = new object[_facets.Length + (_injectsContext ? 1 : 0)];
        var facets = new IStateFacet[_facets.Length];
        var index = 0;
        if (_injectsContext)
        {
            arguments[index++] = context;
        }

        for (var i = 0; i < _facets.Length; i++)
        {
            var spec = _facets[i];
            facets[i] = spec.Create(ResolveStorage(services, spec), spec.StateName, context.GrainId);
            arguments[index++] = facets[i];
        }

        return ((Grain)_factory(services, arguments), facets);
    }

    /// <summary>Throws when a storage provider named by a <see cref="PersistentStateAttribute"/> is not registered.</summary>
    public void ValidateStorage(IServiceProvider services)
    {
        foreach (var spec in _facets)
        {
            ResolveStorage(services, spec);
        }
    }

    private IGrainStorage ResolveStorage(IServiceProvider services, FacetSpec spec)
    {
        var storage = spec.StorageName is null
            ? services.GetService<IGrainStorage>()
            : services.GetKeyedService<IGrainStorage>(spec.StorageName)
              ?? (spec.StorageName == DefaultStorageName ? services.GetService<IGrainStorage>() : null);
        return storage ?? throw new InvalidOperationException(
            $"Grain type '{_grainType}': no IGrainStorage is registered {(spec.StorageName is null ? "as the default provider" : $"under the name '{spec.StorageName}'")} " +
            $"(needed by [PersistentState(\"{spec.StateName}\")] on parameter '{spec.ParameterName}'). Register a storage provider, e.g. services.AddFileStorage(...).");
    }

    private static ConstructorInfo SelectConstructor([DynamicallyAccessedMembers(GrainRegistration.ImplementationMembers)] Type implementationType)
    {
        var constructors = implementationType.GetConstructors();
        var marked = constructors.Where(c => c.IsDefined(typeof(ActivatorUtilitiesConstructorAttribute), inherit: false)).ToArray();
        return (marked.Length, constructors.Length) switch
        {
            (1, _) => marked[0],
            (0, 1) => constructors[0],
            _ => throw new InvalidOperationException(
                $"Grain class {implementationType.FullName} must have exactly one public constructor, or mark one with [ActivatorUtilitiesConstructor]."),
        };
    }

    private static IStateFacet CreateFacet<TState>(IGrainStorage storage, string stateName, GrainId grainId)
        where TState : class, new() =>
        new PersistentStateBridge<TState>(storage, stateName, grainId);

    private sealed record FacetSpec(string StateName, string? StorageName, Type ParameterType, string ParameterName, Func<IGrainStorage, string, GrainId, IStateFacet> Create);
}
