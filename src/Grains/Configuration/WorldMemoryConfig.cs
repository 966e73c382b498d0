namespace Duragent.Configuration;

/// <summary>The <c>world_memory</c> section of <c>duragent.yaml</c>.</summary>
public sealed record WorldMemoryConfig
{
    /// <summary>Where world memory files live (full path); <c>{workspace}/memory/world</c> when null.</summary>
    public string? Path { get; init; }
}
