namespace Duragent.Policy;

/// <summary>What the policy says about one tool call.</summary>
public enum PolicyDecision
{
    Allow = 0,
    Ask = 1,
    Deny = 2,
}

/// <summary>A decision and the reason for it (the matching pattern, the mode, or a broken policy file).</summary>
public sealed record PolicyVerdict(PolicyDecision Decision, string Reason)
{
    /// <summary>The verdict's name as recorded in <c>tool_call_requested.verdict</c>: <c>allow</c>, <c>ask</c>, <c>deny</c>.</summary>
    public string Name => Decision switch
    {
        PolicyDecision.Allow => "allow",
        PolicyDecision.Ask => "ask",
        _ => "deny",
    };
}
