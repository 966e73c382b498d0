namespace Duragent.Sessions.Events;

/// <summary>A decision on a pending approval. Serialized <c>allow_once</c>, <c>allow_always</c>, <c>deny</c>.</summary>
[GenerateSerializer]
[Alias("duragent.approval-choice")]
public enum ApprovalChoice
{
    AllowOnce = 0,
    AllowAlways = 1,
    Deny = 2,
}

/// <summary>How a tool call ended. Serialized <c>ok</c>, <c>error</c>, <c>denied</c>, <c>skipped</c>, <c>timeout</c>.</summary>
[GenerateSerializer]
[Alias("duragent.tool-outcome")]
public enum ToolOutcome
{
    /// <summary>The tool ran and succeeded (exit code 0 for processes).</summary>
    Ok = 0,

    /// <summary>The tool ran and failed, or could not run.</summary>
    Error = 1,

    /// <summary>Policy or a person denied the call; it did not run.</summary>
    Denied = 2,

    /// <summary>Not run: the turn moved on (a new message steered it, or an earlier call needs approval).</summary>
    Skipped = 3,

    /// <summary>The tool ran past its time limit and was stopped.</summary>
    Timeout = 4,
}

/// <summary>How a turn ended. Serialized <c>completed</c>, <c>cancelled</c>, <c>failed</c>, <c>max_iterations</c>.</summary>
[GenerateSerializer]
[Alias("duragent.turn-outcome")]
public enum TurnOutcome
{
    /// <summary>The model gave its answer.</summary>
    Completed = 0,

    /// <summary>A client cancelled the turn.</summary>
    Cancelled = 1,

    /// <summary>An error ended the turn (LLM unreachable after retries, configuration error, …).</summary>
    Failed = 2,

    /// <summary>The loop hit <c>max_tool_iterations</c>.</summary>
    MaxIterations = 3,
}
