namespace Duragent.Sessions;

/// <summary>
/// The states of the durable session state machine. Serialized snake_case: <c>active</c>, <c>running</c>,
/// <c>awaiting_approval</c>, <c>paused</c>, <c>completed</c>, <c>failed</c>.
/// </summary>
[GenerateSerializer]
[Alias("duragent.session-status")]
public enum SessionStatus
{
    /// <summary>Idle, waiting for a message.</summary>
    Active = 0,

    /// <summary>A turn is running (LLM call or tool).</summary>
    Running = 1,

    /// <summary>The turn is parked until a tool call is approved or denied.</summary>
    AwaitingApproval = 2,

    /// <summary>The turn is parked (client disconnected in pause mode, or restart); it resumes on request.</summary>
    Paused = 3,

    /// <summary>Ended for good (deleted, expired, reset). No further turns.</summary>
    Completed = 4,

    /// <summary>The last turn failed with an error that needs attention; a new message starts a new turn.</summary>
    Failed = 5,
}
