namespace Duragent.Runtime;

/// <summary>
/// Marks a grain constructor parameter of type <see cref="IPersistentState{TState}"/>. The runtime binds it to the
/// record (<c>grain id</c>, <paramref name="stateName"/>) in the storage provider <paramref name="storageName"/>
/// (the default provider when null) and reads it before <see cref="Grain.OnActivateAsync"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class PersistentStateAttribute(string stateName, string? storageName = null) : Attribute
{
    public string StateName { get; } = stateName;

    public string? StorageName { get; } = storageName;
}

/// <summary>A grain's persisted state record, with optimistic concurrency through an opaque ETag.</summary>
public interface IPersistentState<TState>
    where TState : class, new()
{
    /// <summary>The state. Never null: a missing record reads as a fresh <typeparamref name="TState"/>.</summary>
    TState State { get; set; }

    /// <summary>The version read or last written; null when no record exists.</summary>
    string? ETag { get; }

    /// <summary>True when a record exists in storage.</summary>
    bool RecordExists { get; }

    /// <summary>Re-reads the record.</summary>
    Task ReadStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes the state, conditional on <see cref="ETag"/>; a stale ETag throws <see cref="InconsistentStateException"/>.</summary>
    Task WriteStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Removes the record, conditional on <see cref="ETag"/>; <see cref="State"/> becomes a fresh instance.</summary>
    Task ClearStateAsync(CancellationToken cancellationToken = default);
}
