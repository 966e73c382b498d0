namespace Duragent.Agents;

/// <summary>The <c>spec.memory</c> block. Its presence turns the memory tool and the memory directive on.</summary>
[GenerateSerializer]
[Alias("duragent.memory-spec")]
public sealed record MemorySpec
{
    /// <summary>The default and only backend: <c>filesystem</c>.</summary>
    public const string DefaultBackend = "filesystem";

    /// <summary>Where memories are kept; <c>filesystem</c> by default.</summary>
    [Id(0)]
    public string Backend { get; init; } = DefaultBackend;
}
