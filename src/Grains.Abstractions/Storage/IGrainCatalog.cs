namespace Duragent.Storage;

/// <summary>
/// Lists the keys of a grain type that have anything stored (state or events). Each storage provider implements it
/// next to its <c>IGrainStorage</c>: listing sessions asks the storage, never the files directly.
/// </summary>
public interface IGrainCatalog
{
    /// <summary>Keys of stored grains of <paramref name="grainType"/> (an Orleans grain type name, e.g. <c>session</c>), in no particular order.</summary>
    IAsyncEnumerable<string> ListKeysAsync(string grainType, CancellationToken cancellationToken = default);
}
