namespace Duragent.Agents;

/// <summary>Event ids of the agent subsystem's log messages.</summary>
internal enum AgentLogEvent
{
    AgentLoaded = 1001,
    AgentWarning = 1002,
    AgentError = 1003,
    AgentReloaded = 1101,
    AgentMissing = 1102,
    AgentInvalid = 1103,
}
