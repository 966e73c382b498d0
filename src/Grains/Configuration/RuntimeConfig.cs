namespace Duragent.Configuration;

/// <summary>The <c>runtime</c> section of <c>duragent.yaml</c>: grain runtime settings.</summary>
public sealed record RuntimeConfig
{
    /// <summary>The default idle time before an activation is collected: 15 minutes.</summary>
    public const int DefaultCollectionAgeMinutes = 15;

    /// <summary>Minutes an activation may stay idle before it is collected; 15 by default.</summary>
    public int CollectionAgeMinutes { get; init; } = DefaultCollectionAgeMinutes;
}
