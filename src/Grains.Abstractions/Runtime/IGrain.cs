namespace Duragent.Runtime;

/// <summary>Marker for grain interfaces.</summary>
public interface IGrain;

/// <summary>Marker for grain interfaces addressed by a string key.</summary>
public interface IGrainWithStringKey : IGrain;
