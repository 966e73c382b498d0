namespace Duragent.Runtime;

/// <summary>Hands out references to grains. A reference is cheap; the grain activates on its first call.</summary>
public interface IGrainFactory
{
    /// <summary>
    /// Returns a reference to the grain of interface <typeparamref name="TGrainInterface"/> with the given key.
    /// The key is validated (see <see cref="GrainKey"/>); an invalid key throws <see cref="ArgumentException"/>.
    /// </summary>
    TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey;
}
