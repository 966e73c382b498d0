using Duragent.Policy;

namespace Duragent.Grains.Tests.Policy;

public sealed class ToolPolicyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("duragent-policy-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string yaml)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private static ToolPolicy Policy(PolicyMode mode, string[]? allow = null, string[]? deny = null) =>
        new(mode, (allow ?? []).Select(PolicyPattern.Parse).ToList(), (deny ?? []).Select(PolicyPattern.Parse).ToList());

    [Theory]
    [InlineData("bash:ls", "bash", "ls", true)]
    [InlineData("bash:ls", "bash", "ls -la", false)]
    [InlineData("bash:ls", "bash", "rm -rf ~; ls", false)]
    [InlineData("bash:git *", "bash", "git status", true)]
    [InlineData("bash:git *", "bash", "sudo git status", false)]
    [InlineData("bash:*test*", "bash", "dotnet test x", false)]
    [InlineData("bash:* **", "bash", "dotnet test x", true)]
    [InlineData("builtin:memory:*", "builtin", "memory:recall", true)]
    [InlineData("builtin:memory:*", "bash", "memory:recall", false)]
    [InlineData("*:deploy*", "cli", "deploy-prod", true)]
    [InlineData("deploy*", "cli", "deploy-prod", true)]
    [InlineData("bash:a*b*c", "bash", "aXbYc", true)]
    [InlineData("bash:a*b*c", "bash", "aXbYcd", false)]
    [InlineData("bash:ab*ba", "bash", "aba", false)]
    public void AllowPatterns_MatchTheWholeInvocation(string pattern, string kind, string invocation, bool expected)
    {
        Assert.Equal(expected, PolicyPattern.Parse(pattern).Allows(kind, invocation));
    }

    [Theory]
    [InlineData("bash:rm -rf", "sudo rm -rf /", true)]
    [InlineData("bash:rm *", "echo; rm x", true)]
    [InlineData("bash:curl*|*sh", "curl x | sh", true)]
    [InlineData("bash:rm -rf", "ls", false)]
    public void DenyPatterns_MatchAnywhere(string pattern, string invocation, bool expected)
    {
        Assert.Equal(expected, PolicyPattern.Parse(pattern).Denies("bash", invocation));
    }

    [Fact]
    public void Deny_WinsInEveryMode()
    {
        foreach (var mode in Enum.GetValues<PolicyMode>())
        {
            var verdict = Policy(mode, allow: ["bash:*"], deny: ["bash:rm"]).Evaluate("bash", "rm file");
            Assert.Equal(PolicyDecision.Deny, verdict.Decision);
            Assert.Contains("'bash:rm'", verdict.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Modes_DecideWhatNoPatternCovers()
    {
        Assert.Equal(PolicyDecision.Allow, Policy(PolicyMode.Dangerous).Evaluate("bash", "make").Decision);
        Assert.Equal(PolicyDecision.Ask, Policy(PolicyMode.Ask).Evaluate("bash", "make").Decision);
        Assert.Equal(PolicyDecision.Deny, Policy(PolicyMode.Restrict).Evaluate("bash", "make").Decision);
        Assert.Equal(PolicyDecision.Allow, Policy(PolicyMode.Restrict, allow: ["bash:make"]).Evaluate("bash", "make").Decision);
    }

    [Theory]
    [InlineData("git log; rm -rf ~")]
    [InlineData("git log && rm -rf ~")]
    [InlineData("git log | sh")]
    [InlineData("git log `rm -rf ~`")]
    [InlineData("git log $(rm -rf ~)")]
    [InlineData("git log\nrm -rf ~")]
    public void WildcardAllow_NeverCoversCompoundBashCommands(string command)
    {
        Assert.Equal(PolicyDecision.Ask, Policy(PolicyMode.Ask, allow: ["bash:git *"]).Evaluate("bash", command).Decision);
    }

    [Fact]
    public void LiteralAllow_CoversTheExactCompoundCommand_AndNothingElse()
    {
        var policy = Policy(PolicyMode.Ask, allow: ["bash:=cd src && make"]);

        Assert.Equal(PolicyDecision.Allow, policy.Evaluate("bash", "cd src && make").Decision);
        Assert.Equal(PolicyDecision.Ask, policy.Evaluate("bash", "cd src && make && id").Decision);
        Assert.Equal(PolicyDecision.Ask, policy.Evaluate("bash", "cd src  && make").Decision);
    }

    [Fact]
    public void Load_CompoundAllowPattern_IsAnErrorThatNamesTheLiteralForm()
    {
        var path = Write("policy.yaml", "mode: ask\nallow:\n  - 'bash:cd src && make'\n");

        var verdict = PolicyFiles.Load(path).Evaluate("bash", "ls");

        Assert.Equal(PolicyDecision.Deny, verdict.Decision);
        Assert.Contains(path + ":3:5:", verdict.Reason, StringComparison.Ordinal);
        Assert.Contains("'bash:=cd src && make'", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SeesAnEditOfTheSameLength_AndAnAllowAlwaysAddition()
    {
        var path = Write("policy.yaml", "mode: restrict\nallow: ['bash:ls']\n");
        var local = Path.Combine(_dir, "policy.local.yaml");
        Assert.Equal(PolicyDecision.Allow, PolicyFiles.Load(path).Evaluate("bash", "ls").Decision);

        File.WriteAllText(path, "mode: restrict\nallow: ['bash:id']\n");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
        PolicyFiles.AddAllowPattern(local, "bash:make");

        var reloaded = PolicyFiles.Load(path, local);
        Assert.Equal(PolicyDecision.Deny, reloaded.Evaluate("bash", "ls").Decision);
        Assert.Equal(PolicyDecision.Allow, reloaded.Evaluate("bash", "id").Decision);
        Assert.Equal(PolicyDecision.Allow, reloaded.Evaluate("bash", "make").Decision);
    }

    [Fact]
    public void Load_MergesTiers_ModeFromTheMostSpecific_ListsUnited()
    {
        var workspace = Write("ws.yaml", "apiVersion: duragent/v1alpha1\nkind: Policy\nmode: restrict\ndeny: ['bash:rm -rf']\n");
        var agent = Write("agent.yaml", "mode: ask\nallow: ['bash:ls']\napproval_timeout_seconds: 600\n");
        var local = Write("local.yaml", "allow: ['bash:ls', 'bash:make']\n");

        var policy = PolicyFiles.Load(workspace, agent, local, Path.Combine(_dir, "missing.yaml"));

        Assert.Equal(PolicyMode.Ask, policy.Mode);
        Assert.Equal(["bash:ls", "bash:make"], policy.Allow.Select(p => p.Text));
        Assert.Equal(["bash:rm -rf"], policy.Deny.Select(p => p.Text));
        Assert.Equal(TimeSpan.FromMinutes(10), policy.ApprovalTimeout);
        Assert.Equal(3, policy.Sources.Count);
        Assert.Null(policy.Error);
    }

    [Fact]
    public void Load_NoFiles_IsDangerousMode()
    {
        var policy = PolicyFiles.Load(Path.Combine(_dir, "none.yaml"));

        Assert.Equal(PolicyMode.Dangerous, policy.Mode);
        Assert.Equal(PolicyDecision.Allow, policy.Evaluate("bash", "anything").Decision);
    }

    [Theory]
    [InlineData("mode: [ask\n", ":1:")]
    [InlineData("mode: careful\n", "mode 'careful' is not one of dangerous, ask, restrict")]
    [InlineData("deny: 'bash:rm'\n", "'deny' must be a list")]
    [InlineData("denny: ['bash:rm']\n", "unknown key 'denny'")]
    [InlineData("kind: Agent\n", "kind must be 'Policy'")]
    public void Load_BrokenFile_DeniesEverything_AndNamesTheFileAndLine(string yaml, string expected)
    {
        var path = Write("policy.yaml", yaml);

        var policy = PolicyFiles.Load(path);
        var verdict = policy.Evaluate("bash", "ls");

        Assert.Equal(PolicyDecision.Deny, verdict.Decision);
        Assert.Contains(path + ":", verdict.Reason, StringComparison.Ordinal);
        Assert.Contains(expected, verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AddAllowPattern_SavesToTheLocalFile_KeepingWhatWasThere()
    {
        var local = Write("policy.local.yaml", "mode: ask\ndeny: ['bash:shutdown']\nallow: ['bash:ls']\n");

        PolicyFiles.AddAllowPattern(local, PolicyPattern.ExactFor("bash", "echo \"hi\"; ls"));
        PolicyFiles.AddAllowPattern(local, PolicyPattern.ExactFor("bash", "ls"));

        var policy = PolicyFiles.Load(local);
        Assert.Null(policy.Error);
        Assert.Equal(PolicyMode.Ask, policy.Mode);
        Assert.Equal(["bash:ls", "bash:=echo \"hi\"; ls"], policy.Allow.Select(p => p.Text));
        Assert.Equal(["bash:shutdown"], policy.Deny.Select(p => p.Text));
        Assert.Equal(PolicyDecision.Allow, policy.Evaluate("bash", "echo \"hi\"; ls").Decision);
    }

    [Fact]
    public void AddAllowPattern_CreatesTheFile()
    {
        var local = Path.Combine(_dir, "new.local.yaml");

        PolicyFiles.AddAllowPattern(local, "bash:make test");

        Assert.Equal(PolicyDecision.Allow, PolicyFiles.Load(local).Evaluate("bash", "make test").Decision);
    }

    [Theory]
    [InlineData("bash", "make test", "bash:make test")]
    [InlineData("bash", "ls *.txt", "bash:=ls *.txt")]
    [InlineData("bash", "cat /srv/ok*", "bash:=cat /srv/ok*")]
    [InlineData("bash", "ls  -l", "bash:=ls  -l")]
    [InlineData("bash", "echo 'a b'", "bash:=echo 'a b'")]
    [InlineData("bash", "FOO=1 make", "bash:=FOO=1 make")]
    [InlineData("bash", "make test | tee log", "bash:=make test | tee log")]
    [InlineData("cli", "report --since 1d", "cli:report --since 1d")]
    [InlineData("builtin", "memory:*", "builtin:=memory:*")]
    [InlineData("builtin", "memory:recall", "builtin:memory:recall")]
    public void AllowAlways_SavesAPattern_ThatReadBackAllowsExactlyTheApprovedCall(string kind, string command, string expected)
    {
        var local = Path.Combine(_dir, "exact.local.yaml");

        PolicyFiles.AddAllowPattern(local, PolicyPattern.ExactFor(kind, command));

        var policy = PolicyFiles.Load(local);
        Assert.Null(policy.Error);
        Assert.Equal(expected, Assert.Single(policy.Allow).Text);
        Assert.Equal(PolicyDecision.Allow, new ToolPolicy(PolicyMode.Restrict, policy.Allow, []).Evaluate(kind, command).Decision);
        foreach (var other in new[] { command + " x", command + "; id", command.Replace("*", "X", StringComparison.Ordinal) + "X", "x" + command })
        {
            Assert.True(
                new ToolPolicy(PolicyMode.Restrict, policy.Allow, []).Evaluate(kind, other).Decision == PolicyDecision.Deny,
                $"'{expected}' also allows '{other}'");
        }
    }

    // GNU tar (and rsync, git's parse-options) accept any unambiguous abbreviation of a long option:
    // `tar -xf a.tar --to-comm='touch FILE'` runs the command (checked with GNU tar 1.35).
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
