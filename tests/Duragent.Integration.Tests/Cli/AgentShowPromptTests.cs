namespace Duragent.Integration.Tests.Cli;

/// <summary><c>duragent agent show NAME --prompt</c> against a real server: every part of the prompt with its source file.</summary>
[Trait("Category", "Slow")]
public sealed class AgentShowPromptTests
{
    [Fact]
    public async Task ShowPrompt_PrintsEachPartWithItsSourceFile_InOrder()
    {
        await using var ws = await CliWorkspace.CreateAsync();
        var agents = Path.Combine(ws.Directory, ".duragent", "agents", "assistant");
        await File.AppendAllTextAsync(Path.Combine(agents, "agent.yaml"), "  soul: ./SOUL.md\n  memory: {}\n");
        await File.WriteAllTextAsync(Path.Combine(agents, "SOUL.md"), "I am {{agent.name}}.");
        Directory.CreateDirectory(Path.Combine(ws.Directory, ".duragent", "directives"));
        await File.WriteAllTextAsync(Path.Combine(ws.Directory, ".duragent", "directives", "style.md"), "Be brief.");
        Directory.CreateDirectory(Path.Combine(agents, "skills", "triage"));
        await File.WriteAllTextAsync(Path.Combine(agents, "skills", "triage", "SKILL.md"), "---\nname: triage\ndescription: Sorts bugs.\n---\nSteps.");
        await ws.ServeAsync();

        var shown = await ws.RunAsync(string.Empty, "agent", "show", "assistant", "--prompt");

        Assert.True(shown.ExitCode == 0, shown.ToString());
        var headers = shown.Stdout.Split('\n').Where(l => l.StartsWith("=== ", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            [
                "=== prime ((built-in)) ===",
                $"=== soul ({Path.Combine(".duragent", "agents", "assistant", "SOUL.md")}) ===",
                $"=== directives ((built-in), {Path.Combine(".duragent", "directives", "style.md")}) ===",
                $"=== skills ({Path.Combine(".duragent", "agents", "assistant", "skills", "triage", "SKILL.md")}) ===",
            ],
            headers);
        Assert.Contains("I am assistant.\n", shown.Stdout, StringComparison.Ordinal);
        Assert.Contains("- Be brief.\n", shown.Stdout, StringComparison.Ordinal);

        var missing = await ws.RunAsync(string.Empty, "agent", "show", "ghost", "--prompt");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("No agent named 'ghost'", missing.Stderr, StringComparison.Ordinal);
    }
}
