using Duragent.Policy;

namespace Duragent.Grains.Tests.Policy;

/// <summary>Policy escapes found in review (issue 7.1).</summary>
public sealed class ReviewPolicyDefectTests
{
    /// <summary>
    /// docs/agent-format.md: "Arguments that run or write something else are matched only by a pattern word that spells
    /// them, never by * or **: tar --to-command ...". GNU tar (and rsync, git's parse-options) accept any unambiguous
    /// abbreviation of a long option: <c>tar -xf a.tar --to-comm='touch FILE'</c> runs the command (checked with GNU
    /// tar 1.35), yet the risky-argument check compares the full name only.
    /// </summary>
    [Theory]
    [InlineData("tar -xf /srv/a.tar --to-comm=id")]
    [InlineData("tar -xf /srv/a.tar --to-co=id")]
    [InlineData("tar -xf /srv/a.tar --checkpoint-act=exec=id")]
    [InlineData("tar -xf /srv/a.tar --use-compress-prog=id")]
    public void Restrict_RefusesAnAbbreviatedRiskyLongOption(string command)
    {
        var policy = new ToolPolicy(PolicyMode.Restrict, [PolicyPattern.Parse("bash:tar -xf /srv/a.tar **")], []);

        var verdict = policy.Evaluate("bash", command);

        Assert.True(verdict.Decision == PolicyDecision.Deny, $"'{command}' was {verdict.Name}: {verdict.Reason}");
    }
}
