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

        var result = await CliProcess.RunAsync(Workspace, Home, ["doctor", "--format", "json"], environment: new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "sk-test" });

        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        Assert.Equal(["status", "sections", "summary"], root.EnumerateObject().Select(p => p.Name));
        Assert.Contains(root.GetProperty("status").GetString(), new[] { "ok", "warn", "error" });
        var sections = root.GetProperty("sections").EnumerateArray().ToList();
        Assert.Equal(["Configuration", "Agents", "Providers", "Gateways", "Server", "Security"], sections.Select(s => s.GetProperty("name").GetString()));
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

        var result = await CliProcess.RunAsync(Workspace, Home, ["doctor"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("✗ OPENROUTER_API_KEY is not set (needed by my-assistant).", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PresentKey_IsOk_AndItsValueIsNeverPrinted()
    {
        await InitAsync("anthropic");
        const string Secret = "sk-ant-very-secret-value-123";

        var result = await CliProcess.RunAsync(Workspace, Home, ["doctor", "--format", "json"], environment: new Dictionary<string, string?> { ["ANTHROPIC_API_KEY"] = Secret });

        Assert.Contains("ANTHROPIC_API_KEY is set", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExposedHostWithoutToken_IsAnError_ShortTokensWarn()
    {
        await InitAsync("ollama");
        var config = Path.Combine(Workspace, "duragent.yaml");
        await File.WriteAllTextAsync(config, "server:\n  host: 0.0.0.0\n  admin_token: short\n");

        var exposed = await CliProcess.RunAsync(Workspace, Home, ["doctor"]);
        await File.WriteAllTextAsync(config, "server:\n  host: 0.0.0.0\n  api_token: abc\n  admin_token: 0123456789abcdef0123\n");
        var weak = await CliProcess.RunAsync(Workspace, Home, ["doctor"]);

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

        var result = await CliProcess.RunAsync(Workspace, Home, ["doctor"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("✗ my-assistant: invalid", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{yaml}:", result.Stdout, StringComparison.Ordinal);
    }

    private Task<CliResult> InitAsync(string provider) =>
        InProcessCli.RunAsync("init", Workspace, "--no-interactive", "--provider", provider, "--model", "some-model");
}
