namespace Duragent.Runtime;

/// <summary>
/// The identity of a grain: a stable grain type name (see <see cref="GrainTypeAttribute"/>) and a string key.
/// Identity is logical, not a location. Two grain types may use the same key.
/// </summary>
public readonly record struct GrainId
{
    public GrainId(string type, string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(key);
        Type = type;
        Key = key;
    }

    /// <summary>The stable grain type name, e.g. <c>session</c>.</summary>
    public string Type { get; }

    /// <summary>The grain key, e.g. <c>session_01JD...</c>.</summary>
    public string Key { get; }

    public override string ToString() => $"{Type}/{Key}";
}
