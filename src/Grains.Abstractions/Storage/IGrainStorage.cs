using Duragent.Runtime;

namespace Duragent.Storage;

/// <summary>A state record as read from or written to a storage provider.</summary>
public interface IGrainState<TState>
    where TState : class, new()
{
    /// <summary>The state; never null (a missing record reads as a fresh instance).</summary>
    TState State { get; set; }

    /// <summary>Opaque version: null means "no record". Writes and clears are conditional on it.</summary>
    string? ETag { get; set; }

    /// <summary>True when the record exists in storage.</summary>
    bool RecordExists { get; set; }
}

/// <summary>The default <see cref="IGrainState{TState}"/>.</summary>
public sealed class GrainState<TState> : IGrainState<TState>
    where TState : class, new()
{
    public TState State { get; set; } = new();

    public string? ETag { get; set; }

    public bool RecordExists { get; set; }
}

/// <summary>
/// Grain state storage with optimistic concurrency (the shape of Orleans' IGrainStorage).
/// A record is identified by (grain id, state name).
/// </summary>
/// <remarks>
/// Obligations of every provider (checked by the storage contract tests):
/// <list type="bullet">
/// <item>Read of a missing record: <c>State = new()</c>, <c>ETag = null</c>, <c>RecordExists = false</c>.</item>
/// <item>Write succeeds only if the stored version equals <c>ETag</c> (null = must not exist); it then sets a new
/// ETag (different on every write) and <c>RecordExists = true</c>. A mismatch throws <see cref="InconsistentStateException"/>.</item>
/// <item>Clear is conditional the same way; afterwards <c>RecordExists = false</c> and <c>State</c> is a fresh instance.</item>
/// <item>A task completes only when the operation is durable; failures surface, never a false success.</item>
/// </list>
/// </remarks>
public interface IGrainStorage
{
    Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
        where TState : class, new();

    Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
        where TState : class, new();

    Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
        where TState : class, new();
}

/// <summary>Lists the keys of a grain type that have anything stored (state or events).</summary>
public interface IGrainCatalog
{
    /// <summary>Keys of stored grains of <paramref name="grainType"/>, in no particular order.</summary>
    IAsyncEnumerable<string> ListKeysAsync(string grainType, CancellationToken cancellationToken = default);
}
