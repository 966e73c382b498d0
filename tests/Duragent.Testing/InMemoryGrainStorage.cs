using System.Globalization;
using System.Text.Json;
using Orleans;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Duragent.Testing;

/// <summary>
/// Orleans' <see cref="IGrainStorage"/> in memory, faithful to the contract the file provider keeps: state is stored as
/// JSON (so later changes to the object are not stored until written), every write gets a new ETag, writes and clears
/// are conditional on it (a stale one throws <see cref="InconsistentStateException"/>), and grain types, keys and state
/// names must be valid <see cref="GrainKey"/>s.
/// </summary>
/// <param name="activators">Makes the fresh state of a missing record; Orleans' serializer's by default.</param>
public sealed class InMemoryGrainStorage(IActivatorProvider? activators = null) : IGrainStorage
{
    private readonly IActivatorProvider _activators = activators ?? InMemoryKeys.Activators;
    private readonly Lock _lock = new();
    private readonly Dictionary<(GrainId GrainId, string StateName), (byte[] Json, string ETag)> _records = [];
    private long _version;

    /// <summary>Grain ids with at least one stored record, for <see cref="InMemoryGrainCatalog"/>.</summary>
    public IReadOnlyList<GrainId> GrainIds
    {
        get
        {
            lock (_lock)
            {
                return [.. _records.Keys.Select(k => k.GrainId).Distinct()];
            }
        }
    }

    public Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        InMemoryKeys.Check(grainId, stateName);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (_records.TryGetValue((grainId, stateName), out var record))
            {
                var state = JsonSerializer.Deserialize<TState>(record.Json);
                grainState.State = state is null ? NewState<TState>() : state;
                grainState.ETag = record.ETag;
                grainState.RecordExists = true;
            }
            else
            {
                grainState.State = NewState<TState>();
                grainState.ETag = null;
                grainState.RecordExists = false;
            }
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        InMemoryKeys.Check(grainId, stateName);
        cancellationToken.ThrowIfCancellationRequested();
        var json = JsonSerializer.SerializeToUtf8Bytes(grainState.State is null ? NewState<TState>() : grainState.State);
        lock (_lock)
        {
            CheckETag(stateName, grainId, grainState.ETag, "write");
            var eTag = (++_version).ToString(CultureInfo.InvariantCulture);
            _records[(grainId, stateName)] = (json, eTag);
            grainState.ETag = eTag;
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
    }

    public Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        InMemoryKeys.Check(grainId, stateName);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            CheckETag(stateName, grainId, grainState.ETag, "clear");
            _records.Remove((grainId, stateName));
            grainState.State = NewState<TState>();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    private TState NewState<TState>() => _activators.GetActivator<TState>().Create();

    private void CheckETag(string stateName, GrainId grainId, string? expected, string operation)
    {
        var stored = _records.TryGetValue((grainId, stateName), out var record) ? record.ETag : null;
        if (stored != expected)
        {
            throw new InconsistentStateException(
                $"Cannot {operation} state '{stateName}' of grain {grainId}: expected version '{expected ?? "(none)"}' but storage has '{stored ?? "(none)"}'.",
                stored,
                expected);
        }
    }
}
