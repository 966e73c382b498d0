using Duragent.Configuration;
using Duragent.Memory;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registration of agent memory.</summary>
public static class MemoryServiceCollectionExtensions
{
    /// <summary>
    /// Registers the file <see cref="IMemoryStore"/> over <paramref name="workspace"/>'s agents and world memory
    /// directories, unless a store is registered already (another backend). The <see cref="MemoryGrain"/> uses it.
    /// </summary>
    public static IServiceCollection AddDuragentMemory(this IServiceCollection services, DuragentWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(workspace);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IMemoryStore>(new FileMemoryStore(workspace.AgentsDirectory, workspace.WorldMemoryDirectory));
        return services;
    }
}
