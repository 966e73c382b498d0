namespace Duragent.Sessions;

/// <summary>
/// What a session does with a running turn when its last attached client goes away (or when the silo restarts
/// in the middle of a turn). Serialized as <c>pause</c> / <c>continue</c>.
/// </summary>
[GenerateSerializer]
[Alias("duragent.on-disconnect")]
public enum OnDisconnect
{
    /// <summary>Park the turn: stop after the current step, status <c>paused</c>, resume when a client asks.</summary>
    Pause = 0,

    /// <summary>Keep the turn running without clients; attach later to see the result.</summary>
    Continue = 1,
}
