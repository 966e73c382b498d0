using System.Collections.Concurrent;

namespace Duragent.Runtime;

/// <summary>The grain directory of a single silo: an in-memory table with first-writer-wins registration.</summary>
public sealed class LocalGrainDirectory : IGrainDirectory
{
    private static readonly Task<bool> s_true = Task.FromResult(true);
    private static readonly Task<bool> s_false = Task.FromResult(false);

    private readonly ConcurrentDictionary<GrainId, GrainAddress> _entries = new();

    public Task<GrainAddress> RegisterAsync(GrainAddress address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        return Task.FromResult(_entries.GetOrAdd(address.GrainId, address));
    }

    public Task<bool> UnregisterAsync(GrainAddress address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        return _entries.TryRemove(new KeyValuePair<GrainId, GrainAddress>(address.GrainId, address)) ? s_true : s_false;
    }

    public Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_entries.TryGetValue(grainId, out var address) ? address : null);
}
