using Duragent.Sessions;

namespace Duragent.Agents;

// What clients may see of the workspace's agents: no prompt texts, no API key variables, no credentials in URLs.
// They cross the node grain's boundary (CLI) and are the bodies of /api/v1/agents (snake_case JSON). Orleans field
// ids are the wire schema: never renumber or reuse one.

/// <summary>One agent of the catalog, valid or not. <see cref="Model"/> is null for an agent that fails to load.</summary>
/// <param name="Errors">Located errors, <c>file:line:column: message</c>, the file relative to the config directory.</param>
[GenerateSerializer]
[Alias("duragent.agent-summary")]
public sealed record AgentSummary(
    [Id(0)] string Name,
    [Id(1)] string? Description,
    [Id(2)] string? Version,
    [Id(3)] AgentModelSummary? Model,
    [Id(4)] bool Valid,
    [Id(5)] IReadOnlyList<string> Errors,
    [Id(6)] IReadOnlyList<string> Warnings);

/// <summary>The provider and model of an agent.</summary>
[GenerateSerializer]
[Alias("duragent.agent-model-summary")]
public sealed record AgentModelSummary([Id(0)] string Provider, [Id(1)] string Name);

/// <summary>An agent as loaded, without prompt texts or API keys (<c>GET /api/v1/agents/{name}</c>, <c>duragent agent show</c>).</summary>
[GenerateSerializer]
[Alias("duragent.agent-detail")]
public sealed record AgentDetail(
    [Id(0)] string ApiVersion,
    [Id(1)] string Kind,
    [Id(2)] AgentMetadataView Metadata,
    [Id(3)] AgentSpecView Spec,
    [Id(4)] IReadOnlyList<string> Warnings);

/// <summary>The agent's <c>metadata</c>.</summary>
[GenerateSerializer]
[Alias("duragent.agent-metadata-view")]
public sealed record AgentMetadataView(
    [Id(0)] string Name,
    [Id(1)] string? Description,
    [Id(2)] string? Version,
    [Id(3)] IReadOnlyDictionary<string, string> Labels);

/// <summary>The parts of the agent's <c>spec</c> that clients may see.</summary>
[GenerateSerializer]
[Alias("duragent.agent-spec-view")]
public sealed record AgentSpecView([Id(0)] AgentModelView Model, [Id(1)] AgentSessionView Session, [Id(2)] IReadOnlyList<AgentToolView> Tools);

/// <summary><c>spec.model</c> without <c>api_key_env</c>; <see cref="BaseUrl"/> without user information or query.</summary>
[GenerateSerializer]
[Alias("duragent.agent-model-view")]
public sealed record AgentModelView(
    [Id(0)] string Provider,
    [Id(1)] string Name,
    [Id(2)] double? Temperature,
    [Id(3)] int? MaxInputTokens,
    [Id(4)] int? MaxOutputTokens,
    [Id(5)] string? BaseUrl);

/// <summary><c>spec.session</c>.</summary>
[GenerateSerializer]
[Alias("duragent.agent-session-view")]
public sealed record AgentSessionView([Id(0)] OnDisconnect OnDisconnect, [Id(1)] int MaxToolIterations, [Id(2)] int LlmTimeoutSeconds);

/// <summary>One entry of <c>spec.tools</c>: <c>builtin</c> or <c>cli</c>.</summary>
[GenerateSerializer]
[Alias("duragent.agent-tool-view")]
public sealed record AgentToolView([Id(0)] string Type, [Id(1)] string Name, [Id(2)] bool Idempotent);

/// <summary>
/// One agent looked up by name: <see cref="Detail"/> when it loads, otherwise its <see cref="Errors"/>;
/// <see cref="Exists"/> is false when there is no such agent.
/// </summary>
[GenerateSerializer]
[Alias("duragent.agent-lookup")]
public sealed record AgentLookup([Id(0)] string Name, [Id(1)] bool Exists, [Id(2)] AgentDetail? Detail, [Id(3)] IReadOnlyList<string> Errors);

/// <summary>The result of reading every agent again: how many loaded, and every error of those that did not.</summary>
[GenerateSerializer]
[Alias("duragent.reload-result")]
public sealed record ReloadResult([Id(0)] int Agents, [Id(1)] IReadOnlyList<string> Errors);
