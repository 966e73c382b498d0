namespace Duragent.Policy;

/// <summary>
/// The tool policy of one agent: the merge of the workspace <c>policy.yaml</c>, the agent's <c>policy.yaml</c> and its
/// <c>policy.local.yaml</c> (where "allow always" decisions are saved).
/// </summary>
/// <remarks>
/// Order of evaluation: a broken policy file denies everything (fail closed, naming the file); then the deny list wins
/// in every mode; then the allow list; then the mode. Calls of <c>bash</c> and <c>cli</c> tools are parsed once as a
/// command line (<see cref="ShellParser"/>) and matched word by word (<see cref="PolicyPattern"/>); a command line that
/// is more than one simple command is never allowed by a word pattern, so in <c>ask</c> it waits for a person and in
/// <c>restrict</c> it is denied.
/// </remarks>
public sealed class ToolPolicy
{
    public ToolPolicy(PolicyMode mode, IReadOnlyList<PolicyPattern> allow, IReadOnlyList<PolicyPattern> deny, TimeSpan? approvalTimeout = null, string? error = null, IReadOnlyList<string>? sources = null)
    {
        Mode = mode;
        Allow = allow;
        Deny = deny;
        ApprovalTimeout = approvalTimeout;
        Error = error;
        Sources = sources ?? [];
    }

    /// <summary>No policy files: everything runs.</summary>
    public static ToolPolicy Default { get; } = new(PolicyMode.Dangerous, [], []);

    public PolicyMode Mode { get; }

    public IReadOnlyList<PolicyPattern> Allow { get; }

    public IReadOnlyList<PolicyPattern> Deny { get; }

    /// <summary>How long an approval may wait before it counts as denied; null waits forever.</summary>
    public TimeSpan? ApprovalTimeout { get; }

    /// <summary>Set when a policy file could not be read; every call is then denied with this text.</summary>
    public string? Error { get; }

    /// <summary>The files this policy was merged from.</summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>Decides a call of a <paramref name="kind"/> tool described by <paramref name="invocation"/>.</summary>
    public PolicyVerdict Evaluate(string kind, string invocation)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(invocation);
        if (Error is not null)
        {
            return new PolicyVerdict(PolicyDecision.Deny, $"the tool policy could not be read ({Error})");
        }

        var line = PolicyPattern.IsShellKind(kind) ? ShellParser.Parse(invocation) : null;
        foreach (var pattern in Deny)
        {
            if (pattern.Denies(kind, invocation, line))
            {
                return new PolicyVerdict(PolicyDecision.Deny, $"denied by pattern '{pattern.Text}'");
            }
        }

        foreach (var pattern in Allow)
        {
            if (pattern.Allows(kind, invocation, line))
            {
                return new PolicyVerdict(PolicyDecision.Allow, $"allowed by pattern '{pattern.Text}'");
            }
        }

        var why = line is { IsSimple: false } ? $" (no allow pattern covers a command line with {line.Describe()})" : string.Empty;
        return Mode switch
        {
            PolicyMode.Dangerous => new PolicyVerdict(PolicyDecision.Allow, "mode dangerous allows calls that are not denied"),
            PolicyMode.Ask => new PolicyVerdict(PolicyDecision.Ask, "mode ask: not on the allow list" + why),
            _ => new PolicyVerdict(PolicyDecision.Deny, "mode restrict: not on the allow list" + why),
        };
    }
}
