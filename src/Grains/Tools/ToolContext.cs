namespace Duragent.Tools;

/// <summary>Where a tool call runs.</summary>
/// <param name="SessionId">The calling session.</param>
/// <param name="AgentName">The calling agent.</param>
/// <param name="WorkingDirectory">The working directory for processes (the agent's directory by default).</param>
/// <param name="CallId">The model's id for this call.</param>
public sealed record ToolContext(string SessionId, string AgentName, string WorkingDirectory, string CallId);
