using System.Text.Json;
using Duragent.Runtime;
using Duragent.Storage;

namespace Duragent.Testing;

/// <summary>
/// <see cref="IGrainStorage"/> in memory, faithful to the contract: state is stored as JSON (so later changes to the
/// object are not stored until written), every write gets a new ETag, and writes and clears are conditional on it.
/// </summary>
public sealed class InMemoryGrainStorage : IGrainStorage
{
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

    public Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
        where TState : class, new()
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (_records.TryGetValue((grainId, stateName), out var record))
            {
                grainState.State = JsonSerializer.Deserialize<TState>(record.Json) ?? new TState();
                grainState.ETag = record.ETag;
                grainState.RecordExists = true;
            }
            else
            {
                grainState.State = new TState();
                grainState.ETag = null;
                grainState.RecordExists = false;
            }
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
        where TState : class, new()
    {
        cancellationToken.ThrowIfCancellationRequested();
        var json = JsonSerializer.SerializeToUtf8Bytes(grainState.State);
        lock (_lock)
        {
            CheckETag(stateName, grainId, grainState.ETag, "write");
            var eTag = (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture);
            _records[(grainId, stateName)] = (json, eTag);
            grainState.ETag = eTag;
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
    }

    public Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
        where TState : class, new()
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            CheckETag(stateName, grainId, grainState.ETag, "clear");
            _records.Remove((grainId, stateName));
            grainState.State = new TState();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

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
