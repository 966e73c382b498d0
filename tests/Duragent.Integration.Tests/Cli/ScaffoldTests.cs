using Duragent.Agents;
using Duragent.Agents.Templates;
using Duragent.Cli;
using Duragent.Cli.Output;
using Duragent.Testing;

namespace Duragent.Integration.Tests.Cli;

public sealed class ScaffoldTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-init");

    public void Dispose() => _dir.Dispose();

    private string Config => Path.Combine(_dir.Path, "duragent.yaml");

    [Fact]
    public async Task Init_WritesWorkspaceConfigPolicyAndAValidAgent()
    {
        var result = await InProcessCli.RunAsync("init", _dir.Path, "--no-interactive", "--agent-name", "helper", "--provider", "anthropic", "--model", "claude-sonnet-4-5");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(AgentTemplates.WorkspaceConfig, await File.ReadAllTextAsync(Config));
        Assert.True(File.Exists(Path.Combine(_dir.Path, ".duragent", "policy.yaml")));
        foreach (var directory in AgentTemplates.WorkspaceDirectories)
        {
            Assert.True(Directory.Exists(Path.Combine(_dir.Path, directory)), directory);
        }

        foreach (var file in new[] { "agent.yaml", "policy.yaml", "SOUL.md", "SYSTEM_PROMPT.md" })
        {
            Assert.Contains($"created  .duragent/agents/helper/{file}", result.Stdout, StringComparison.Ordinal);
        }

        var loaded = await new FileAgentCatalog(Path.Combine(_dir.Path, ".duragent", "agents")).ValidateAsync(Path.Combine(_dir.Path, ".duragent", "agents", "helper"));
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Diagnostics));
        Assert.Equal(ModelProvider.Anthropic, loaded.Definition!.Model.Provider);
        Assert.Equal("claude-sonnet-4-5", loaded.Definition.Model.Name);
        Assert.Contains("ANTHROPIC_API_KEY", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Init_Interactive_ProposesTheChosenProvidersModel()
    {
        var output = new StringWriter();
        var console = new CliConsole(new StringReader("\nollama\n\n"), output, new StringWriter(), inputIsTerminal: true, outputIsTerminal: false, errorIsTerminal: false);

        var exit = await CliApp.RunAsync(["init", _dir.Path], console);

        Assert.True(exit == 0, output.ToString());
        Assert.Contains("Model [llama3.2]: ", output.ToString(), StringComparison.Ordinal);
        var loaded = await new FileAgentCatalog(Path.Combine(_dir.Path, ".duragent", "agents")).ValidateAsync(Path.Combine(_dir.Path, ".duragent", "agents", AgentTemplates.DefaultAgentName));
        Assert.Equal(ModelProvider.Ollama, loaded.Definition!.Model.Provider);
        Assert.Equal("llama3.2", loaded.Definition.Model.Name);
    }

    [Theory]
    [InlineData("ollama", "llama3.2")]
    [InlineData("anthropic", "claude-sonnet-4-5")]
    [InlineData("openai", "gpt-4.1-mini")]
    [InlineData("openrouter", "moonshotai/kimi-k2.5")]
    public async Task AgentCreate_WithoutModel_TakesTheProvidersDefaultModel(string provider, string model)
    {
        await InProcessCli.RunAsync("init", _dir.Path, "--no-interactive");

        var result = await InProcessCli.RunAsync("-c", Config, "agent", "create", "coder", "--provider", provider, "--no-interactive");

        Assert.True(result.ExitCode == 0, result.ToString());
        var loaded = await new FileAgentCatalog(Path.Combine(_dir.Path, ".duragent", "agents")).ValidateAsync(Path.Combine(_dir.Path, ".duragent", "agents", "coder"));
        Assert.Equal(model, loaded.Definition!.Model.Name);
    }

    [Fact]
    public async Task Init_NeverOverwrites_ReportsSkippedFiles()
    {
        await File.WriteAllTextAsync(Config, "# mine\n");

        var first = await InProcessCli.RunAsync("init", _dir.Path, "--no-interactive");
        var second = await InProcessCli.RunAsync("init", _dir.Path, "--no-interactive");

        Assert.Equal(0, first.ExitCode);
        Assert.Equal("# mine\n", await File.ReadAllTextAsync(Config));
        Assert.Contains("skipped  duragent.yaml (exists)", first.Stdout, StringComparison.Ordinal);
        Assert.Contains($"created  .duragent/agents/{AgentTemplates.DefaultAgentName}/agent.yaml", first.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, second.ExitCode);
        Assert.DoesNotContain("created", second.Stdout, StringComparison.Ordinal);
        Assert.Contains($"skipped  .duragent/agents/{AgentTemplates.DefaultAgentName}/agent.yaml (exists)", second.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Init_InvalidAgentName_IsUsageError()
    {
        var result = await InProcessCli.RunAsync("init", _dir.Path, "--no-interactive", "--agent-name", "../evil");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Invalid agent name", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Config));
    }

    [Fact]
    public async Task AgentCreate_WritesTheAgentIntoTheWorkspace()
    {
        await InProcessCli.RunAsync("init", _dir.Path, "--no-interactive");

        var result = await InProcessCli.RunAsync("-c", Config, "agent", "create", "coder", "--provider", "ollama", "--model", "llama3.2", "--description", "Writes code");

        Assert.True(result.ExitCode == 0, result.ToString());
        var home = Path.Combine(_dir.Path, ".duragent", "agents", "coder");
        Assert.Equal(AgentTemplates.AgentYaml("coder", ModelProvider.Ollama, "llama3.2", "Writes code"), await File.ReadAllTextAsync(Path.Combine(home, "agent.yaml")));
        Assert.Equal(AgentTemplates.AgentPolicy, await File.ReadAllTextAsync(Path.Combine(home, "policy.yaml")));
        Assert.Contains("created  agent.yaml", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentCreate_ExistingAgent_KeepsItsFiles()
    {
        await InProcessCli.RunAsync("init", _dir.Path, "--no-interactive", "--agent-name", "coder");
        var yaml = Path.Combine(_dir.Path, ".duragent", "agents", "coder", "agent.yaml");
        var before = await File.ReadAllTextAsync(yaml);

        var result = await InProcessCli.RunAsync("-c", Config, "agent", "create", "coder", "--provider", "openai", "--no-interactive");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(before, await File.ReadAllTextAsync(yaml));
        Assert.Contains("Nothing written", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentCreate_WithoutWorkspace_Fails()
    {
        var result = await InProcessCli.RunAsync("-c", Config, "agent", "create", "coder", "--no-interactive");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("duragent init", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, ".duragent")));
    }

    [Fact]
    public async Task AgentValidate_ReportsEachErrorWithItsLocation_Exit1()
    {
        await InProcessCli.RunAsync("init", _dir.Path, "--no-interactive", "--agent-name", "good");
        await InProcessCli.RunAsync("-c", Config, "agent", "create", "bad", "--no-interactive");
        var badYaml = Path.Combine(_dir.Path, ".duragent", "agents", "bad", "agent.yaml");
        var text = await File.ReadAllTextAsync(badYaml);
        await File.WriteAllTextAsync(badYaml, text.Replace("# temperature: 0.7", "temperature: hot", StringComparison.Ordinal));

        var all = await InProcessCli.RunAsync("-c", Config, "agent", "validate");
        var one = await InProcessCli.RunAsync("agent", "validate", Path.Combine(_dir.Path, ".duragent", "agents", "good"));

        Assert.Equal(1, all.ExitCode);
        Assert.Contains("✗ bad: 1 error, 0 warnings (", all.Stdout, StringComparison.Ordinal);
        Assert.Contains("✓ good: valid", all.Stdout, StringComparison.Ordinal);
        Assert.Matches($@"{System.Text.RegularExpressions.Regex.Escape(badYaml)}:\d+:\d+: error: spec\.model\.temperature", all.Stdout);
        Assert.Equal(0, one.ExitCode);
        Assert.Contains("✓ good: valid", one.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentValidate_ChecksTheAgentsSchedulesFile_WithLocatedErrors_Exit1()
    {
        await InProcessCli.RunAsync("init", _dir.Path, "--no-interactive", "--agent-name", "good");
        var home = Path.Combine(_dir.Path, ".duragent", "agents", "good");
        var schedules = Path.Combine(home, "schedules.yaml");
        await File.WriteAllTextAsync(schedules, "schedules:\n  - {id: ok, text: hi, every: 1h}\n  - {id: tz, text: hi, cron: '0 9 * * *', time_zone: Mars/Base}\n");

        var bad = await InProcessCli.RunAsync("agent", "validate", home);
        await File.WriteAllTextAsync(schedules, "schedules:\n  - {id: ok, text: hi, every: 1h}\n");
        var good = await InProcessCli.RunAsync("agent", "validate", home);

        Assert.True(bad.ExitCode == 1, bad.ToString());
        Assert.Contains("✗ good: 1 error, 0 warnings (", bad.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{schedules}:3:54: error: schedules[1].time_zone: unknown time zone 'Mars/Base'", bad.Stdout, StringComparison.Ordinal);
        Assert.True(good.ExitCode == 0, good.ToString());
        Assert.Contains("✓ good: valid", good.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentValidate_MissingPath_Fails()
    {
        var result = await InProcessCli.RunAsync("agent", "validate", Path.Combine(_dir.Path, "nope"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("No agent at", result.Stderr, StringComparison.Ordinal);
    }
}
