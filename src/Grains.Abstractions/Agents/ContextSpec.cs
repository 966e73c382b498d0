namespace Duragent.Agents;

/// <summary>How tool results are cut when longer than <see cref="ContextSpec.MaxToolResultTokens"/>.</summary>
[GenerateSerializer]
[Alias("duragent.tool-result-truncation")]
public enum ToolResultTruncation
{
    /// <summary>Keep the beginning.</summary>
    Head = 0,

    /// <summary>Keep the end.</summary>
    Tail = 1,

    /// <summary>Keep the beginning and the end.</summary>
    Both = 2,
}

/// <summary>The <c>spec.session.context</c> block: the context-window budget.</summary>
[GenerateSerializer]
[Alias("duragent.context-spec")]
public sealed record ContextSpec
{
    /// <summary>The default history budget: 40000 tokens.</summary>
    public const int DefaultMaxHistoryTokens = 40000;

    /// <summary>The default cap on one tool result: 8000 tokens.</summary>
    public const int DefaultMaxToolResultTokens = 8000;

    /// <summary>The default truncation: <see cref="ToolResultTruncation.Head"/>.</summary>
    public const ToolResultTruncation DefaultToolResultTruncation = ToolResultTruncation.Head;

    /// <summary>The default number of oldest tool results kept whole: 2.</summary>
    public const int DefaultToolResultKeepFirst = 2;

    /// <summary>The default number of newest tool results kept whole: 5.</summary>
    public const int DefaultToolResultKeepLast = 5;

    /// <summary>Token budget for the history; 40000 by default, 0 means no cap.</summary>
    [Id(0)]
    public int MaxHistoryTokens { get; init; } = DefaultMaxHistoryTokens;

    /// <summary>Cap on one tool result; 8000 tokens by default, always greater than 0.</summary>
    [Id(1)]
    public int MaxToolResultTokens { get; init; } = DefaultMaxToolResultTokens;

    /// <summary>Which part of a long tool result is kept; <c>head</c> by default.</summary>
    [Id(2)]
    public ToolResultTruncation ToolResultTruncation { get; init; } = DefaultToolResultTruncation;

    /// <summary>The oldest tool results kept unmasked; 2 by default.</summary>
    [Id(3)]
    public int ToolResultKeepFirst { get; init; } = DefaultToolResultKeepFirst;

    /// <summary>The newest tool results kept unmasked; 5 by default.</summary>
    [Id(4)]
    public int ToolResultKeepLast { get; init; } = DefaultToolResultKeepLast;
}
