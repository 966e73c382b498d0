using System.Text.Json.Serialization;

namespace Duragent.Sessions.Events;

// The session event vocabulary. One file on purpose: the list reads as the protocol of the durable state machine
// (ARCHITECTURE §3 "record before acting, record after acting"); each record is a handful of fields.

/// <summary><c>session_started</c>: the first event of every session.</summary>
public sealed record SessionStarted(
    string Agent,
    OnDisconnect OnDisconnect,
    string? Source = null,
    string? Gateway = null,
    string? ChatId = null) : SessionEvent;

/// <summary><c>user_message</c>: a message from a person or a system (gateway, schedule), durable before it is acknowledged.</summary>
public sealed record UserMessage(
    string MessageId,
    string Content,
    string? SenderId = null,
    string? SenderName = null,
    string? Source = null,
    string? ClientMessageId = null) : SessionEvent;

/// <summary><c>turn_started</c>: the agent loop starts working on the pending user messages (or resumes a parked turn).</summary>
public sealed record TurnStarted(string TurnId, long TriggerSeq, bool Resumed = false) : SessionEvent;

/// <summary><c>llm_call_started</c>: recorded before the model is called; a call without a result is re-issued after a crash.</summary>
public sealed record LlmCallStarted(string TurnId, int Iteration, string Provider, string Model, int Attempt = 1) : SessionEvent;

/// <summary><c>assistant_delta</c>: streamed text of the running LLM call (coalesced chunks).</summary>
public sealed record AssistantDelta(string TurnId, int Iteration, string Text) : SessionEvent;

/// <summary><c>assistant_message</c>: the model's complete reply for one LLM call, with the tool calls it asked for.</summary>
public sealed record AssistantMessage(
    string MessageId,
    string TurnId,
    int Iteration,
    string Content,
    IReadOnlyList<ToolCallRecord>? ToolCalls = null,
    TokenUsage? Usage = null,
    string? FinishReason = null,
    bool Interrupted = false) : SessionEvent;

/// <summary><c>llm_call_failed</c>: an LLM call failed; <see cref="WillRetry"/> says whether the loop tries again.</summary>
public sealed record LlmCallFailed(string TurnId, int Iteration, string Code, string Message, bool WillRetry) : SessionEvent;

/// <summary>
/// <c>tool_call_requested</c>: one tool call of an assistant message, with its policy verdict (<c>allow</c>, <c>ask</c>,
/// <c>deny</c>) and the invocation string the policy judged (<see cref="Command"/>, e.g. the bash command line).
/// </summary>
public sealed record ToolCallRequested(
    string TurnId,
    string CallId,
    string Tool,
    string Arguments,
    bool Idempotent = false,
    string? Verdict = null,
    string? Command = null) : SessionEvent;

/// <summary><c>approval_required</c>: the turn parks until the call is allowed or denied.</summary>
public sealed record ApprovalRequired(
    string TurnId,
    string CallId,
    string Tool,
    string Command,
    DateTimeOffset? ExpiresAt = null) : SessionEvent;

/// <summary><c>approval_decided</c>: a person (or the expiry) decided a pending approval.</summary>
public sealed record ApprovalDecided(string CallId, ApprovalChoice Decision, string? DecidedBy = null) : SessionEvent;

/// <summary><c>tool_started</c>: recorded before the tool runs. A start without a finish means the tool was interrupted.</summary>
public sealed record ToolStarted(string TurnId, string CallId, string Tool) : SessionEvent;

/// <summary><c>tool_finished</c>: the tool's (possibly truncated) result as the model will see it.</summary>
public sealed record ToolFinished(
    string TurnId,
    string CallId,
    string Tool,
    ToolOutcome Status,
    string Content,
    int? ExitCode = null,
    long DurationMs = 0,
    bool Truncated = false) : SessionEvent;

/// <summary>
/// <c>tool_interrupted</c>: a non-idempotent tool was running when the process stopped. It is never run again;
/// <see cref="Content"/> is what the model is told (the outcome is unknown).
/// </summary>
public sealed record ToolInterrupted(string TurnId, string CallId, string Tool, string Reason, string Content) : SessionEvent;

/// <summary>
/// <c>turn_completed</c>: the loop ended (answer given, cancelled, failed, iteration limit).
/// <see cref="UnansweredMessageIds"/> names the user messages no LLM call saw that will not be answered (the turn
/// failed or the session ended); <see cref="Error"/> says why. Messages that arrived after the turn's last LLM call
/// started and are not named here start the next turn at once (a <c>turn_started</c> follows).
/// </summary>
public sealed record TurnCompleted(
    string TurnId,
    TurnOutcome Outcome,
    string? MessageId = null,
    string? Error = null,
    TokenUsage? Usage = null,
    IReadOnlyList<string>? UnansweredMessageIds = null) : SessionEvent;

/// <summary><c>status_changed</c>: the session moved between states.</summary>
public sealed record StatusChanged(SessionStatus From, SessionStatus To, string? Reason = null) : SessionEvent;

/// <summary><c>error</c>: something failed that a client should see.</summary>
public sealed record SessionError(string Code, string Message, string? TurnId = null) : SessionEvent;

/// <summary>A tool call as the model asked for it. <see cref="Arguments"/> is the raw JSON text.</summary>
/// <remarks>Also crosses grain boundaries inside <see cref="SessionMessage"/>, hence the Orleans serializer.</remarks>
[GenerateSerializer]
[Alias("duragent.tool-call-record")]
public sealed record ToolCallRecord([Id(0)] string Id, [Id(1)] string Name, [Id(2)] string Arguments);

/// <summary>Token counts reported by the provider.</summary>
public sealed record TokenUsage(int InputTokens, int OutputTokens)
{
    [JsonPropertyName("total_tokens")]
    public int TotalTokens => InputTokens + OutputTokens;
}
