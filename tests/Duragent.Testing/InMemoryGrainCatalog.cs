using System.Runtime.CompilerServices;
using Duragent.Storage;

namespace Duragent.Testing;

/// <summary><see cref="IGrainCatalog"/> over the in-memory state and event stores.</summary>
public sealed class InMemoryGrainCatalog(InMemoryGrainStorage states, InMemoryEventLogStorage events) : IGrainCatalog
{
    public async IAsyncEnumerable<string> ListKeysAsync(string grainType, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        GrainKey.Validate(grainType, "grain type");
        var keys = states.GrainIds.Concat(events.GrainIds).Where(id => id.Type.ToString() == grainType).Select(id => id.Key.ToString()).Distinct().ToList();
        foreach (var key in keys)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return key;
        }

        await Task.CompletedTask;
    }
}
