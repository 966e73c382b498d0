namespace Duragent.Sessions;

/// <summary>
/// What follows the end of a turn for the user messages no LLM call of it saw (<see cref="TurnPlanner.AfterTurn"/>):
/// either a next turn starts at once for them (<see cref="NextTriggerSeq"/>, the seq of the first one), or they are
/// named as unanswered in the <c>turn_completed</c> (<see cref="Unanswered"/>). Both empty: nothing is waiting.
/// </summary>
public sealed record TurnFollowUp(long? NextTriggerSeq, IReadOnlyList<string> Unanswered)
{
    /// <summary>Every message of the turn was seen by an LLM call.</summary>
    public static TurnFollowUp None { get; } = new(null, []);
}
