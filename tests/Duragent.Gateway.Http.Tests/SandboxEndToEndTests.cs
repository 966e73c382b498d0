using System.Text.Json;
using Duragent.FakeLlm;
using Duragent.Sessions;

namespace Duragent.Gateway.Http.Tests;

/// <summary>
/// A session whose agent calls <c>bash</c> on a server with <c>sandbox.mode: bubblewrap</c>: the model's command runs
/// in the real bwrap, its work reaches the agent directory, and its attempts on the policy, the server's secrets and
/// the network fail.
/// </summary>
public sealed class SandboxEndToEndTests
{
    [SandboxFact]
    public async Task ModelsCommand_RunsSandboxed_ItsWorkLands_ItsEscapesFail()
    {
        var secret = "DURAGENT_E2E_SECRET_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(secret, "sk-should-not-leak");
        try
        {
            await using var kit = await GatewayKit.StartAsync(policy: "mode: dangerous\n", yaml: "sandbox:\n  mode: bubblewrap\n  network: false\n");
            var command = $"echo made > made.txt; echo 'mode: restrict' > policy.yaml; echo leak=${secret}; exec 3<>/dev/tcp/127.0.0.1/{kit.BaseAddress.Port} && echo reached";
            kit.Llm.Enqueue(FakeResponse.ToolCalls(FakeToolCall.Create("bash", JsonSerializer.Serialize(new Dictionary<string, string> { ["command"] = command }))), FakeResponse.Text("done"));
            var session = await kit.CreateSessionAsync();

            using var sent = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/messages?wait=true", GatewayKit.Json("""{"content":"go"}"""));

            await Http.ExpectAsync(sent, 200);
            var finished = (await kit.EventsAsync(session.SessionId)).Single(e => e.GetProperty("type").GetString() == "tool_finished");
            var content = finished.GetProperty("content").GetString()!;
            Assert.Contains("leak=\n", content, StringComparison.Ordinal);
            Assert.Contains("Read-only file system", content, StringComparison.Ordinal);
            Assert.DoesNotContain("reached", content, StringComparison.Ordinal);
            var agentDir = Path.Combine(kit.Root, "agents", "assistant");
            Assert.Equal("made\n", File.ReadAllText(Path.Combine(agentDir, "made.txt")));
            Assert.Equal("mode: dangerous\n", File.ReadAllText(Path.Combine(agentDir, "policy.yaml")));
            Assert.Contains(kit.Logs.Records, r => r.Message.StartsWith("Sandbox: tools run in bubblewrap", StringComparison.Ordinal));
        }
        finally
        {
            Environment.SetEnvironmentVariable(secret, null);
        }
    }
}

/// <summary>A fact that needs a working bubblewrap (see <see cref="Bubblewrap.SkipReason"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class SandboxFactAttribute : FactAttribute
{
    public SandboxFactAttribute() => Skip = Bubblewrap.SkipReason;
}
