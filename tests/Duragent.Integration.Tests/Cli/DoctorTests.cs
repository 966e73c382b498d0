using System.Text.Json;
using Duragent.Testing;

namespace Duragent.Integration.Tests.Cli;

public sealed class DoctorTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-doctor");

    public DoctorTests()
    {
        Home = Path.Combine(_dir.Path, "home");
        Workspace = Path.Combine(_dir.Path, "ws");
        Directory.CreateDirectory(Home);
        Directory.CreateDirectory(Workspace);
    }

    private string Home { get; }

    private string Workspace { get; }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Json_HasStatusSectionsChecksAndSummary()
    {
        await InitAsync("openai");

        var result = await CliProcess.RunAsync(Workspace, Home, ["doctor", "--format", "json", "--offline"], environment: new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "sk-test" });

        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        Assert.Equal(["status", "sections", "summary"], root.EnumerateObject().Select(p => p.Name));
        Assert.Contains(root.GetProperty("status").GetString(), new[] { "ok", "warn", "error" });
        var sections = root.GetProperty("sections").EnumerateArray().ToList();
        Assert.Equal(["Configuration", "Agents", "Providers", "Models", "Gateways", "Server", "Security"], sections.Select(s => s.GetProperty("name").GetString()));
        var checks = sections.SelectMany(s => s.GetProperty("checks").EnumerateArray()).ToList();
        Assert.All(checks, c =>
        {
            Assert.Equal(["status", "message"], c.EnumerateObject().Select(p => p.Name));
            Assert.Contains(c.GetProperty("status").GetString(), new[] { "ok", "warn", "error" });
        });
        var summary = root.GetProperty("summary");
        Assert.Equal(checks.Count(c => c.GetProperty("status").GetString() == "ok"), summary.GetProperty("ok").GetInt32());
        Assert.Equal(checks.Count(c => c.GetProperty("status").GetString() == "warn"), summary.GetProperty("warn").GetInt32());
        Assert.Equal(checks.Count(c => c.GetProperty("status").GetString() == "error"), summary.GetProperty("error").GetInt32());
        Assert.Equal(0, summary.GetProperty("error").GetInt32());
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task MissingProviderKey_IsAnError_Exit1()
    {
        await InitAsync("openrouter");

        var result = await CliProcess.RunAsync(Workspace, Home, ["doctor", "--offline"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("✗ OPENROUTER_API_KEY is not set (needed by my-assistant).", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PresentKey_IsOk_AndItsValueIsNeverPrinted()
    {
        await InitAsync("anthropic");
        const string Secret = "sk-ant-very-secret-value-123";

        var result = await CliProcess.RunAsync(Workspace, Home, ["doctor", "--format", "json", "--offline"], environment: new Dictionary<string, string?> { ["ANTHROPIC_API_KEY"] = Secret });

        Assert.Contains("ANTHROPIC_API_KEY is set", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExposedHostWithoutToken_IsAnError_ShortTokensWarn()
    {
        await InitAsync("ollama");
        var config = Path.Combine(Workspace, "duragent.yaml");
        await File.WriteAllTextAsync(config, "server:\n  host: 0.0.0.0\n  admin_token: short\n");

        var exposed = await CliProcess.RunAsync(Workspace, Home, ["doctor", "--offline"]);
        await File.WriteAllTextAsync(config, "server:\n  host: 0.0.0.0\n  api_token: abc\n  admin_token: 0123456789abcdef0123\n");
        var weak = await CliProcess.RunAsync(Workspace, Home, ["doctor", "--offline"]);

        Assert.Equal(1, exposed.ExitCode);
        Assert.Contains("✗ server.host is '0.0.0.0'", exposed.Stdout, StringComparison.Ordinal);
        Assert.Contains("! server.admin_token is shorter than 16 characters", exposed.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, weak.ExitCode);
        Assert.Contains("! server.api_token is shorter than 16 characters", weak.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("admin_token is shorter", weak.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("0123456789abcdef0123", weak.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidAgent_IsAnErrorWithItsLocation()
    {
        await InitAsync("ollama");
        var yaml = Path.Combine(Workspace, ".duragent", "agents", "my-assistant", "agent.yaml");
        await File.WriteAllTextAsync(yaml, (await File.ReadAllTextAsync(yaml)).Replace("provider: ollama", "provider: skynet", StringComparison.Ordinal));

        var result = await CliProcess.RunAsync(Workspace, Home, ["doctor", "--offline"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("✗ my-assistant: invalid", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{yaml}:", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableModelEndpoint_IsAnErrorNamingAgentProviderAndUrl_Exit1()
    {
        await InitAsync("ollama");
        var url = $"http://127.0.0.1:{FreePort.Get()}/v1";
        await SetBaseUrlAsync(url);

        var text = await CliProcess.RunAsync(Workspace, Home, ["doctor"]);
        var json = await CliProcess.RunAsync(Workspace, Home, ["doctor", "--format", "json"]);

        Assert.Equal(1, text.ExitCode);
        Assert.Contains($"✗ my-assistant: ollama at {url} is unreachable: connection refused.", text.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, json.ExitCode);
        using var report = JsonDocument.Parse(json.Stdout);
        var models = report.RootElement.GetProperty("sections").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "Models");
        var check = Assert.Single(models.GetProperty("checks").EnumerateArray());
        Assert.Equal("error", check.GetProperty("status").GetString());
        Assert.Contains(url, check.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReachableModelEndpoint_IsOk_AndGetsNoApiKey()
    {
        await using var llm = await Duragent.FakeLlm.FakeLlmServer.StartAsync();
        await InitAsync("openai");
        await SetBaseUrlAsync(llm.OpenAiBaseUrl);
        const string Secret = "sk-test-never-sent-to-the-probe";

        var result = await CliProcess.RunAsync(Workspace, Home, ["doctor"], environment: new Dictionary<string, string?> { ["OPENAI_API_KEY"] = Secret });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"✓ my-assistant: openai at {llm.OpenAiBaseUrl}", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("is reachable (HTTP ", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("✗", result.Stdout, StringComparison.Ordinal);
        var probe = Assert.Single(llm.Requests);
        Assert.Equal("GET", probe.Method);
        Assert.Null(probe.Header("Authorization"));
        Assert.DoesNotContain(probe.Headers.Values, v => v.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Offline_SkipsTheModelEndpoints()
    {
        await InitAsync("ollama");
        await SetBaseUrlAsync($"http://127.0.0.1:{FreePort.Get()}/v1");

        var result = await CliProcess.RunAsync(Workspace, Home, ["doctor", "--offline"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("unreachable", result.Stdout, StringComparison.Ordinal);
    }

    private async Task SetBaseUrlAsync(string url)
    {
        var yaml = Path.Combine(Workspace, ".duragent", "agents", "my-assistant", "agent.yaml");
        var text = await File.ReadAllTextAsync(yaml);
        await File.WriteAllTextAsync(yaml, text.Replace("# base_url: https://example.com/v1", $"base_url: {url}", StringComparison.Ordinal));
    }

    private Task<CliResult> InitAsync(string provider) =>
        InProcessCli.RunAsync("init", Workspace, "--no-interactive", "--provider", provider, "--model", "some-model");
}
