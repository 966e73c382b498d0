namespace Duragent.Policy;

/// <summary>
/// The tool policy of one agent: the merge of the workspace <c>policy.yaml</c>, the agent's <c>policy.yaml</c> and its
/// <c>policy.local.yaml</c> (where "allow always" decisions are saved).
/// </summary>
/// <remarks>
/// Order of evaluation: a broken policy file denies everything (fail closed, naming the file); then the deny list
/// (matched anywhere in the invocation) wins in every mode; then the allow list (whole invocation); then the mode.
/// For <c>bash</c>, an allow pattern with <c>*</c> never covers a compound command (<c>;</c>, <c>&amp;</c>, <c>|</c>,
/// backticks, <c>$(</c>, newlines): <c>bash:git *</c> must not allow <c>git log; rm -rf ~</c>.
/// </remarks>
public sealed class ToolPolicy
{
    private static readonly char[] CompoundMarkers = [';', '&', '|', '`', '\n', '\r'];

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

        foreach (var pattern in Deny)
        {
            if (pattern.MatchesAnywhere(kind, invocation))
            {
                return new PolicyVerdict(PolicyDecision.Deny, $"denied by pattern '{pattern.Text}'");
            }
        }

        var compound = kind == "bash" && (invocation.IndexOfAny(CompoundMarkers) >= 0 || invocation.Contains("$(", StringComparison.Ordinal));
        foreach (var pattern in Allow)
        {
            if (compound && pattern.Glob.Contains('*', StringComparison.Ordinal))
            {
                continue;
            }

            if (pattern.MatchesWhole(kind, invocation))
            {
                return new PolicyVerdict(PolicyDecision.Allow, $"allowed by pattern '{pattern.Text}'");
            }
        }

        return Mode switch
        {
            PolicyMode.Dangerous => new PolicyVerdict(PolicyDecision.Allow, "mode dangerous allows calls that are not denied"),
            PolicyMode.Ask => new PolicyVerdict(PolicyDecision.Ask, "mode ask: not on the allow list"),
            _ => new PolicyVerdict(PolicyDecision.Deny, "mode restrict: not on the allow list"),
        };
    }
}
