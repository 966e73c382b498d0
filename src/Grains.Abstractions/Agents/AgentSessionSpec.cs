using Duragent.Sessions;
using Duragent.Storage;

namespace Duragent.Agents;

/// <summary>The <c>spec.session</c> block: how this agent's sessions behave.</summary>
[GenerateSerializer]
[Alias("duragent.agent-session-spec")]
public sealed record AgentSessionSpec
{
    /// <summary>The default <c>on_disconnect</c>: <see cref="OnDisconnect.Pause"/>.</summary>
    public const OnDisconnect DefaultOnDisconnect = OnDisconnect.Pause;

    /// <summary>The default cap on LLM calls per turn: 10.</summary>
    public const int DefaultMaxToolIterations = 10;

    /// <summary>The default LLM round-trip timeout: 300 seconds.</summary>
    public const int DefaultLlmTimeoutSeconds = 300;

    /// <summary>What a running turn does when the last client leaves; <c>pause</c> by default.</summary>
    [Id(0)]
    public OnDisconnect OnDisconnect { get; init; } = DefaultOnDisconnect;

    /// <summary>Most LLM calls (tool iterations) in one turn; 10 by default.</summary>
    [Id(1)]
    public int MaxToolIterations { get; init; } = DefaultMaxToolIterations;

    /// <summary>Timeout of one streamed LLM call, start to end; 300 seconds by default.</summary>
    [Id(2)]
    public int LlmTimeoutSeconds { get; init; } = DefaultLlmTimeoutSeconds;

    /// <summary><see cref="LlmTimeoutSeconds"/> as a <see cref="TimeSpan"/>.</summary>
    public TimeSpan LlmTimeout => TimeSpan.FromSeconds(LlmTimeoutSeconds);

    /// <summary>Session time-to-live in hours; null uses <c>sessions.ttl_hours</c> of <c>duragent.yaml</c>.</summary>
    [Id(3)]
    public int? TtlHours { get; init; }

    /// <summary>Log compaction; null uses <c>sessions.compaction</c> of <c>duragent.yaml</c>.</summary>
    [Id(4)]
    public CompactionMode? Compaction { get; init; }

    /// <summary><c>spec.session.context</c>.</summary>
    [Id(5)]
    public ContextSpec Context { get; init; } = new();
}
