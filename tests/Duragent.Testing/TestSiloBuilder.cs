using Duragent.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace Duragent.Testing;

/// <summary>The hook of <see cref="TestSilo.StartAsync"/>: register grains and services, set options.</summary>
public sealed class TestSiloBuilder
{
    internal TestSiloBuilder(IServiceCollection services) => Services = services;

    /// <summary>The silo's services; register test doubles and probes here.</summary>
    public IServiceCollection Services { get; }

    public TestSiloOptions Options { get; } = new();

    public TestSiloBuilder AddGrain<TInterface, TImplementation>()
        where TInterface : IGrainWithStringKey
        where TImplementation : Grain, TInterface
    {
        Services.AddGrain<TInterface, TImplementation>();
        return this;
    }

    /// <summary>Changes the runtime's options (timeouts, collection age, …).</summary>
    public TestSiloBuilder ConfigureSilo(Action<SiloOptions> configure)
    {
        Services.Configure(configure);
        return this;
    }

    /// <summary>Runs on the storage, directory and clock of <paramref name="other"/>: a restart of the same "machine".</summary>
    public TestSiloBuilder UseSameStorageAs(TestSilo other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Options.Directory = other.Directory;
        Options.Clock = other.Clock;
        Options.InMemoryStorage = other.InMemoryStorage;
        Options.UseFileStorage = other.UsesFileStorage;
        return this;
    }
}
