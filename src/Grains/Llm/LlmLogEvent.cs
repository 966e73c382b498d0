namespace Duragent.Llm;

/// <summary>Event ids of the LLM subsystem's log messages.</summary>
internal enum LlmLogEvent
{
    Retrying = 1100,
    CallCompleted = 1101,
    CallFailed = 1102,
    RetryFailure = 1103,
}
