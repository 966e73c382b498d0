using System.Collections.Frozen;

namespace Duragent.Sessions.Events;

/// <summary>The durable type names of session events (the <c>type</c> field of a log line and the SSE event name).</summary>
public static class SessionEventTypes
{
    public const string SessionStarted = "session_started";
    public const string UserMessage = "user_message";
    public const string TurnStarted = "turn_started";
    public const string LlmCallStarted = "llm_call_started";
    public const string AssistantDelta = "assistant_delta";
    public const string AssistantMessage = "assistant_message";
    public const string LlmCallFailed = "llm_call_failed";
    public const string ToolCallRequested = "tool_call_requested";
    public const string ApprovalRequired = "approval_required";
    public const string ApprovalDecided = "approval_decided";
    public const string ToolStarted = "tool_started";
    public const string ToolFinished = "tool_finished";
    public const string ToolInterrupted = "tool_interrupted";
    public const string TurnCompleted = "turn_completed";
    public const string StatusChanged = "status_changed";
    public const string Error = "error";

    private static readonly FrozenDictionary<string, Type> ByName = new Dictionary<string, Type>
    {
        [SessionStarted] = typeof(SessionStarted),
        [UserMessage] = typeof(UserMessage),
        [TurnStarted] = typeof(TurnStarted),
        [LlmCallStarted] = typeof(LlmCallStarted),
        [AssistantDelta] = typeof(AssistantDelta),
        [AssistantMessage] = typeof(AssistantMessage),
        [LlmCallFailed] = typeof(LlmCallFailed),
        [ToolCallRequested] = typeof(ToolCallRequested),
        [ApprovalRequired] = typeof(ApprovalRequired),
        [ApprovalDecided] = typeof(ApprovalDecided),
        [ToolStarted] = typeof(ToolStarted),
        [ToolFinished] = typeof(ToolFinished),
        [ToolInterrupted] = typeof(ToolInterrupted),
        [TurnCompleted] = typeof(TurnCompleted),
        [StatusChanged] = typeof(StatusChanged),
        [Error] = typeof(SessionError),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<Type, string> ByType =
        ByName.ToFrozenDictionary(pair => pair.Value, pair => pair.Key);

    /// <summary>Every known type name.</summary>
    public static IEnumerable<string> All => ByName.Keys;

    /// <summary>The CLR type for a type name, or null when unknown.</summary>
    public static Type? Find(string typeName) => ByName.GetValueOrDefault(typeName);

    /// <summary>The type name of an event.</summary>
    public static string NameOf(SessionEvent sessionEvent)
    {
        ArgumentNullException.ThrowIfNull(sessionEvent);
        if (sessionEvent is UnknownSessionEvent unknown)
        {
            return unknown.TypeName;
        }

        return ByType.TryGetValue(sessionEvent.GetType(), out var name)
            ? name
            : throw new ArgumentException($"{sessionEvent.GetType().Name} is not a registered session event type.", nameof(sessionEvent));
    }
}
