using Duragent.Agents;
using Duragent.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registration of the workspace and its agents.</summary>
public static class AgentServiceCollectionExtensions
{
    /// <summary>
    /// Registers <paramref name="workspace"/> (with its <see cref="DuragentConfig"/>), the agent catalog over its
    /// agents directory (<see cref="IAgentCatalog"/>), the prompt sources (<see cref="AgentPromptSources"/>: directives,
    /// <c>AGENTS.md</c>) and <see cref="TimeProvider.System"/> unless a time provider is registered already. The grain runtime creates <see cref="AgentGrain"/> from these services. The memory grain also needs an <see cref="Duragent.Memory.IMemoryStore"/>: the storage provider registers it (<c>AddFileMemoryStore</c>).
    /// </summary>
    public static IServiceCollection AddDuragentAgents(this IServiceCollection services, DuragentWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(workspace);
        services.TryAddSingleton(workspace);
        services.TryAddSingleton(workspace.Config);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAgentCatalog>(sp =>
            new FileAgentCatalog(sp.GetRequiredService<DuragentWorkspace>().AgentsDirectory, sp.GetService<ILogger<FileAgentCatalog>>()));
        services.TryAddSingleton(sp => new AgentPromptSources(sp.GetRequiredService<DuragentWorkspace>()));
        return services;
    }

    /// <summary>Loads nothing: registers the workspace built from an already loaded <paramref name="config"/>.</summary>
    public static IServiceCollection AddDuragentAgents(this IServiceCollection services, DuragentConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return services.AddDuragentAgents(new DuragentWorkspace(config));
    }
}
