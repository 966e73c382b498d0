using Duragent.Policy;

namespace Duragent.Grains.Tests.Policy;

/// <summary>
/// Escape attempts against a narrow allow list: every one must be refused (denied in <c>restrict</c>, asked in
/// <c>ask</c>). Each row is a command a careless model or a hostile prompt could send to get more than the list says.
/// </summary>
public sealed class PolicyEscapeCorpusTests
{
    private static readonly string[] NarrowAllow = ["bash:ls", "bash:ls -l", "bash:ls /srv/*", "bash:cat /srv/ok.txt", "bash:cat /srv/ok*", "bash:git status", "cli:report", "cli:report --since *"];

    public static TheoryData<string, string> Attempts() => new()
    {
        // compound commands and pipes
        { "bash", "ls;id" },
        { "bash", "ls ; id" },
        { "bash", "ls&&id" },
        { "bash", "ls || id" },
        { "bash", "ls|sh" },
        { "bash", "ls |& sh" },
        { "bash", "ls & id" },
        { "bash", "ls &" },
        { "bash", "ls\nid" },
        { "bash", "ls\r\nid" },
        // substitutions
        { "bash", "ls $(id)" },
        { "bash", "ls \"$(id)\"" },
        { "bash", "ls `id`" },
        { "bash", "ls <(touch FILE)" },
        { "bash", "ls >(touch FILE)" },
        { "bash", "ls $((1+1))" },
        // redirections
        { "bash", "ls > f" },
        { "bash", "ls / > FILE" },
        { "bash", "ls >> f" },
        { "bash", "ls 2>f" },
        { "bash", "ls 2>&1" },
        { "bash", "ls &> f" },
        { "bash", "ls >| f" },
        { "bash", "ls < /etc/shadow" },
        { "bash", "ls <> f" },
        { "bash", "cat <<EOF\nx\nEOF" },
        { "bash", "cat <<< x" },
        { "bash", "ls>f" },
        // expansions
        { "bash", "ls $HOME" },
        { "bash", "ls ${HOME}" },
        { "bash", "ls$IFS-l" },
        { "bash", "ls${IFS}-l" },
        { "bash", "ls $1" },
        { "bash", "ls $$" },
        { "bash", "ls \"$HOME\"" },
        { "bash", "ls $'\\x2dl'" },
        { "bash", "ls {a,b}" },
        { "bash", "ls {1..3}" },
        { "bash", "ls ~root" },
        { "bash", "ls ~" },
        { "bash", "ls *" },
        { "bash", "ls ?" },
        { "bash", "ls [a]" },
        { "bash", "l* -l" },
        { "bash", "cat /srv/ok*" },
        // groups, comments, assignments, keywords
        { "bash", "(ls)" },
        { "bash", "{ ls; }" },
        { "bash", "ls # comment" },
        { "bash", "FOO=1 ls" },
        { "bash", "PATH=/tmp ls" },
        { "bash", "! ls" },
        { "bash", "if ls; then id; fi" },
        // quotes and escapes that split or disguise the command word
        { "bash", "l\"\"s" },
        { "bash", "'l's" },
        { "bash", "\"ls\"" },
        { "bash", "l\\s" },
        { "bash", "l\\\ns" },
        { "bash", "ls \\\n-l" },
        { "bash", "ls 'unterminated" },
        // a wildcard pattern (ls /srv/*) with something attached
        { "bash", "ls /srv/x > /etc/f" },
        { "bash", "ls /srv/x >> /etc/f" },
        { "bash", "ls /srv/<(id)" },
        { "bash", "ls /srv/$(id)" },
        { "bash", "ls /srv/`id`" },
        { "bash", "ls /srv/x;id" },
        { "bash", "ls /srv/x&id" },
        { "bash", "ls /srv/$IFS/etc" },
        { "bash", "ls /srv/*" },
        { "bash", "ls /srv/{a,b}" },
        { "bash", "ls /srv/../etc" },
        { "bash", "ls /srv/x /etc" },
        // more than the pattern says
        { "bash", "cat /srv/ok.txt /etc/hostname" },
        { "bash", "cat /srv/ok.txt/../../etc/shadow /etc/hostname" },
        { "bash", "ls a b" },
        { "bash", "ls -la" },
        { "bash", "ls -l /etc" },
        { "bash", "git status; rm -rf ~" },
        // absolute or relative paths to the binary
        { "bash", "/bin/ls" },
        { "bash", "/usr/bin/ls -l" },
        { "bash", "./ls" },
        // wrappers that run another command
        { "bash", "env ls" },
        { "bash", "env -i ls" },
        { "bash", "xargs ls" },
        { "bash", "find . -exec id ;" },
        { "bash", "sh -c ls" },
        { "bash", "bash -c 'ls'" },
        { "bash", "sudo ls" },
        { "bash", "nohup ls" },
        { "bash", "timeout 5 ls" },
        { "bash", "command ls" },
        { "bash", "exec ls" },
        { "bash", "eval ls" },
        { "bash", "nice ls" },
        { "bash", "stdbuf -oL ls" },
        { "bash", "busybox ls" },
        // unicode look-alikes and invisible characters
        { "bash", "ｌｓ" },
        { "bash", "lѕ" },
        { "bash", "ls\u200b" },
        { "bash", "ls\u00a0-l" },
        { "bash", "ls\u2009-l" },
        { "bash", "ls\u0000" },
        // cli tools: the arguments are appended to a bash command line
        { "cli", "report; id" },
        { "cli", "report $(id)" },
        { "cli", "report > /etc/passwd" },
        { "cli", "report --since 1d --until 2d" },
        { "cli", "report --since `id`" },
        { "cli", "report x" },
    };

    [Theory]
    [MemberData(nameof(Attempts))]
    public void Restrict_RefusesEveryEscapeAttempt(string kind, string command)
    {
        var policy = new ToolPolicy(PolicyMode.Restrict, NarrowAllow.Select(PolicyPattern.Parse).ToList(), []);

        var verdict = policy.Evaluate(kind, command);

        Assert.True(verdict.Decision == PolicyDecision.Deny, $"'{command}' was {verdict.Name}: {verdict.Reason}");
    }

    [Theory]
    [MemberData(nameof(Attempts))]
    public void Ask_AsksForEveryEscapeAttempt(string kind, string command)
    {
        var policy = new ToolPolicy(PolicyMode.Ask, NarrowAllow.Select(PolicyPattern.Parse).ToList(), []);

        var verdict = policy.Evaluate(kind, command);

        Assert.True(verdict.Decision == PolicyDecision.Ask, $"'{command}' was {verdict.Name}: {verdict.Reason}");
    }

    [Theory]
    [InlineData("bash", "ls")]
    [InlineData("bash", "ls -l")]
    [InlineData("bash", "ls  -l")]
    [InlineData("bash", "ls '-l'")]
    [InlineData("bash", "cat /srv/ok.txt")]
    [InlineData("bash", "cat /srv/ok2.txt")]
    [InlineData("bash", "git status")]
    [InlineData("cli", "report")]
    [InlineData("cli", "report --since 1d")]
    public void Restrict_StillAllowsWhatTheListSays(string kind, string command)
    {
        var policy = new ToolPolicy(PolicyMode.Restrict, NarrowAllow.Select(PolicyPattern.Parse).ToList(), []);

        var verdict = policy.Evaluate(kind, command);

        Assert.True(verdict.Decision == PolicyDecision.Allow, $"'{command}' was {verdict.Name}: {verdict.Reason}");
    }

    public static TheoryData<string> RmRfVariants() => new()
    {
        "rm -rf /",
        "rm -fr /",
        "rm  -rf /",
        "rm -r -f /",
        "rm -f -r /",
        "rm -Rf /",
        "rm -rfv /",
        "rm --recursive --force /",
        "rm --force --recursive /",
        "rm -r --force /",
        "/bin/rm -rf /",
        "\\rm -rf /",
        "r\"\"m -rf /",
        "env rm -rf /",
        "env -i FOO=1 rm -rf /",
        "sudo rm -rf /",
        "sudo -u root rm -rf /",
        "nohup rm -rf /",
        "timeout 5 rm -rf /",
        "command rm -rf /",
        "xargs rm -rf",
        "find / -exec rm -rf {} \\;",
        "sh -c 'rm -fr /'",
        "bash -c \"rm -r -f /\"",
        "eval rm -fr /",
        "ls; rm -fr /",
        "ls && rm -fr /",
        "echo $(rm -fr /)",
        "echo `rm -fr /`",
        "ls <(rm -fr /)",
        "sudo env timeout 5 rm -fr /",
    };

    [Theory]
    [MemberData(nameof(RmRfVariants))]
    public void DenyRmRf_DeniesEverySpellingOfTheFlags(string command)
    {
        foreach (var mode in Enum.GetValues<PolicyMode>())
        {
            var policy = new ToolPolicy(mode, [PolicyPattern.Parse("bash:* **")], [PolicyPattern.Parse("bash:rm -rf")]);

            var verdict = policy.Evaluate("bash", command);

            Assert.True(verdict.Decision == PolicyDecision.Deny, $"'{command}' in {mode} was {verdict.Name}: {verdict.Reason}");
        }
    }
}
