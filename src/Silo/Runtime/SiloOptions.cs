namespace Duragent.Runtime;

/// <summary>Options of the grain runtime (<c>services.AddDuragentSilo(options => …)</c>).</summary>
public sealed class SiloOptions
{
    /// <summary>Default of <see cref="ResponseTimeout"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultResponseTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Default of <see cref="ActivationTimeout"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultActivationTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Default of <see cref="DeactivationTimeout"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultDeactivationTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Default of <see cref="CollectionAge"/>: 15 minutes.</summary>
    public static readonly TimeSpan DefaultCollectionAge = TimeSpan.FromMinutes(15);

    /// <summary>Default of <see cref="CollectionQuantum"/>: 1 minute.</summary>
    public static readonly TimeSpan DefaultCollectionQuantum = TimeSpan.FromMinutes(1);

    /// <summary>Default of <see cref="DrainTimeout"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a caller waits for a grain call before it gets <see cref="GrainCallTimeoutException"/>; 30 seconds by
    /// default. <see cref="ResponseTimeoutAttribute"/> overrides it per method; <see cref="Timeout.InfiniteTimeSpan"/> disables it.
    /// </summary>
    public TimeSpan ResponseTimeout { get; set; } = DefaultResponseTimeout;

    /// <summary>Limit on loading state and running <see cref="Grain.OnActivateAsync"/>; 30 seconds by default.</summary>
    public TimeSpan ActivationTimeout { get; set; } = DefaultActivationTimeout;

    /// <summary>
    /// Limit on waiting for running requests and on <see cref="Grain.OnDeactivateAsync"/> when an activation is deactivated;
    /// 30 seconds by default.
    /// </summary>
    public TimeSpan DeactivationTimeout { get; set; } = DefaultDeactivationTimeout;

    /// <summary>
    /// An activation without incoming calls, reminder ticks or keep-alive timer ticks for this long is deactivated;
    /// 15 minutes by default. <see cref="Timeout.InfiniteTimeSpan"/> keeps activations until shutdown.
    /// </summary>
    public TimeSpan CollectionAge { get; set; } = DefaultCollectionAge;

    /// <summary>How often idle activations are looked for; 1 minute by default. Collection happens "after", not "at", the age.</summary>
    public TimeSpan CollectionQuantum { get; set; } = DefaultCollectionQuantum;

    /// <summary>
    /// <see cref="CollectionAge"/> per grain type name (the <see cref="GrainTypeAttribute"/> name); empty by default.
    /// <see cref="Timeout.InfiniteTimeSpan"/> means never collected.
    /// </summary>
    public IDictionary<string, TimeSpan> CollectionAgeByGrainType { get; } = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);

    /// <summary>
    /// On graceful shutdown, how long running and queued requests may take to finish before every activation is
    /// deactivated anyway; 30 seconds by default.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = DefaultDrainTimeout;

    /// <summary>The collection age of grain type <paramref name="grainType"/>.</summary>
    public TimeSpan GetCollectionAge(string grainType) =>
        CollectionAgeByGrainType.TryGetValue(grainType, out var age) ? age : CollectionAge;
}
