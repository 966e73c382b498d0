using Duragent.Storage;

namespace Duragent.Runtime;

/// <summary>A persistent-state facet read before activation.</summary>
internal interface IStateFacet
{
    Task ReadStateAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The <see cref="IPersistentState{TState}"/> handed to a grain constructor: one record (grain id, state name) in one
/// storage provider. Storage operations on the record run one at a time, so an interleaved call never races a write
/// of the same record with the same ETag.
/// </summary>
internal sealed class PersistentStateBridge<TState>(IGrainStorage storage, string stateName, GrainId grainId)
    : IPersistentState<TState>, IStateFacet
    where TState : class, new()
{
    private readonly GrainState<TState> _record = new();
    private readonly SemaphoreSlim _gate = new(1, 1);

    public TState State
    {
        get => _record.State;
        set => _record.State = value ?? throw new ArgumentNullException(nameof(value), $"The state '{stateName}' of grain {grainId} cannot be set to null.");
    }

    public string? ETag => _record.ETag;

    public bool RecordExists => _record.RecordExists;

    public async Task ReadStateAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await storage.ReadStateAsync(stateName, grainId, _record, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task WriteStateAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await storage.WriteStateAsync(stateName, grainId, _record, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task ClearStateAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await storage.ClearStateAsync(stateName, grainId, _record, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }
}
