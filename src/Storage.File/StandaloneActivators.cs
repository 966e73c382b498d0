using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;

namespace Duragent.Storage.File;

/// <summary>
/// Orleans' activators for a provider opened without a silo (tools, benchmarks, tests): a serializer container of its
/// own, built once per process, so that state is made exactly as it is inside a silo.
/// </summary>
internal static class StandaloneActivators
{
    private static readonly Lazy<IActivatorProvider> s_instance = new(Create);

    public static IActivatorProvider Instance => s_instance.Value;

    private static IActivatorProvider Create() =>
        new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<IActivatorProvider>();
}
