using Duragent.Agents;
using Duragent.Runtime;
using Duragent.Sessions;
using Microsoft.Extensions.DependencyInjection;

namespace Duragent.Hosting;

/// <summary>Registers Duragent's grains with the runtime.</summary>
public static class DuragentGrainsExtensions
{
    /// <summary>Registers <see cref="AgentGrain"/> and <see cref="SessionGrain"/>.</summary>
    public static IServiceCollection AddDuragentGrains(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddGrain<IAgentGrain, AgentGrain>();
        services.AddGrain<ISessionGrain, SessionGrain>();
        return services;
    }
}
