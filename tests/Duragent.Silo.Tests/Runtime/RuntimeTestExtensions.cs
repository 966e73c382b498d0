using Duragent.Runtime;
using Duragent.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Duragent.Silo.Tests.Runtime;

/// <summary>Access to runtime internals for assertions that must not race (mailbox counts, activation state).</summary>
internal static class RuntimeTestExtensions
{
    public static Catalog Catalog(this TestSilo silo) => silo.Services.GetRequiredService<Catalog>();

    public static ActivationData Activation(this TestSilo silo, GrainId grainId) =>
        silo.Catalog().TryGetActivation(grainId, out var activation)
            ? activation
            : throw new Xunit.Sdk.XunitException($"Grain {grainId} has no activation.");

    public static bool IsActive(this TestSilo silo, GrainId grainId) =>
        silo.Catalog().TryGetActivation(grainId, out var activation) && activation.State == ActivationState.Valid;

    public static LocalReminderService Reminders(this TestSilo silo) => silo.Services.GetRequiredService<LocalReminderService>();

    public static TestSiloBuilder WithProbe(this TestSiloBuilder builder, Probe probe)
    {
        builder.Services.AddSingleton(probe);
        return builder;
    }
}
