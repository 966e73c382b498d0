using System.Text.Json.Nodes;
using Duragent.Agents;
using Duragent.FakeLlm;
using Duragent.Sessions.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Duragent.Grains.Tests.Sessions;

/// <summary>
/// Memory, directives, skills and the assembled prompt through the real agent loop: session grain, agent grain,
/// memory grain, and the fake LLM server over HTTP (which records what the provider received).
/// </summary>
public sealed class MemoryAndSkillSessionTests
{
    private static void AddToSpec(SessionKit kit, string lines) =>
        File.AppendAllText(Path.Combine(kit.AgentDirectory(), "agent.yaml"), "\n" + lines);

    private static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    [Fact]
    public async Task TheAssembledPrompt_ReachesTheProviderUnchanged()
    {
        await using var kit = await SessionKit.StartAsync(format: "anthropic");
        var home = kit.AgentDirectory();
        AddToSpec(kit, "  soul: ./SOUL.md\n  instructions: ./INSTRUCTIONS.md\n  memory: {}\n");
        Write(Path.Combine(home, "SOUL.md"), "I am {{agent.name}}, curious.");
        Write(Path.Combine(home, "INSTRUCTIONS.md"), "Work on {{date}}.");
        Write(Path.Combine(home, "AGENTS.md"), "Repository notes: run make test.");
        Write(Path.Combine(home, "directives", "20-tone.md"), "Answer in English.");
        Write(Path.Combine(kit.Root, ".duragent", "directives", "10-safety.md"), "Never print secrets.");
        Write(Path.Combine(home, "skills", "triage", "SKILL.md"), "---\nname: triage\ndescription: Sorts bug reports.\nallowed-tools: memory\n---\nStep one.");
        var (_, session) = await kit.CreateAsync();
        kit.Llm.Enqueue(FakeResponse.Text("Hello."));

        await kit.AskAsync(session, "hi");

        var agent = (await kit.Silo.GrainFactory.GetGrain<IAgentGrain>("assistant").GetAsync())!;
        var expected = kit.Silo.Services.GetRequiredService<AgentPromptSources>().Assemble(agent, DateTimeOffset.UtcNow);
        var body = kit.Llm.Requests.Single().Body!;
        Assert.Equal(expected.Text, body["system"]!.GetValue<string>());
        Assert.Equal(["prime", "soul", "system_prompt", "instructions", "AGENTS.md", "directives", "skills"], expected.Parts.Select(p => p.Title));
        Assert.Contains("- Never print secrets.\n- Answer in English.", expected.Text, StringComparison.Ordinal);
        Assert.Contains(Directives.MemoryDirectiveText, expected.Text, StringComparison.Ordinal);
        var tools = body["tools"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["bash", "memory", "skill"], tools);
    }

    [Fact]
    public async Task TheModelRemembersRecallsAndIsToldWhenATopicIsUnsafe()
    {
        await using var kit = await SessionKit.StartAsync();
        AddToSpec(kit, "  memory: {backend: filesystem}\n");
        var (sessionId, session) = await kit.CreateAsync();
        kit.Llm.Enqueue(
            FakeResponse.ToolCalls(FakeToolCall.Create("memory", """{"action":"remember","content":"Ada likes tea."}""")),
            FakeResponse.ToolCalls(FakeToolCall.Create("memory", """{"action":"recall"}""")),
            FakeResponse.ToolCalls(FakeToolCall.Create("memory", """{"action":"update_world","topic":"../../agents/assistant/agent","content":"pwned"}""")),
            FakeResponse.ToolCalls(FakeToolCall.Create("memory", """{"action":"search","query":"tea"}""")),
            FakeResponse.ToolCalls(FakeToolCall.Create("memory", """{"action":"forget"}""")),
            FakeResponse.Text("Done."));

        var turn = await kit.AskAsync(session, "remember that Ada likes tea");

        Assert.Equal(TurnOutcome.Completed, turn.Outcome);
        var results = await kit.EventsAsync<ToolFinished>(sessionId);
        Assert.Equal([ToolOutcome.Ok, ToolOutcome.Ok, ToolOutcome.Error, ToolOutcome.Ok, ToolOutcome.Error], results.Select(r => r.Status));
        Assert.StartsWith("Remembered. Written to memory/daily/", results[0].Content, StringComparison.Ordinal);
        Assert.Contains("# Recent Experiences", results[1].Content, StringComparison.Ordinal);
        Assert.Contains("Ada likes tea.", results[1].Content, StringComparison.Ordinal);
        Assert.Contains("is a path", results[2].Content, StringComparison.Ordinal);
        Assert.StartsWith("[memory/daily/", results[3].Content, StringComparison.Ordinal);
        Assert.Contains("needs 'action'", results[4].Content, StringComparison.Ordinal);
        var daily = Directory.GetFiles(Path.Combine(kit.AgentDirectory(), "memory", "daily"));
        Assert.Contains("Ada likes tea.", File.ReadAllText(Assert.Single(daily)), StringComparison.Ordinal);
        Assert.DoesNotContain("pwned", File.ReadAllText(Path.Combine(kit.AgentDirectory(), "agent.yaml")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutSpecMemory_ThereIsNoMemoryTool()
    {
        await using var kit = await SessionKit.StartAsync();
        var (sessionId, session) = await kit.CreateAsync();
        kit.Llm.Enqueue(FakeResponse.ToolCalls(FakeToolCall.Create("memory", """{"action":"recall"}""")), FakeResponse.Text("ok"));

        await kit.AskAsync(session, "recall");

        var result = Assert.Single(await kit.EventsAsync<ToolFinished>(sessionId));
        Assert.Equal(ToolOutcome.Error, result.Status);
        Assert.Contains("There is no tool named 'memory'", result.Content, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(kit.AgentDirectory(), "memory")));
    }

    [Fact]
    public async Task AnActiveSkill_RefusesToolsOutsideItsAllowedTools_UntilUnloadedOrTheTurnEnds()
    {
        await using var kit = await SessionKit.StartAsync();
        AddToSpec(kit, "  memory: {}\n");
        Write(Path.Combine(kit.AgentDirectory(), "skills", "notes-only", "SKILL.md"), "---\nname: notes-only\ndescription: Take notes.\nallowed-tools: memory\n---\nOnly write notes.");
        Write(Path.Combine(kit.AgentDirectory(), "skills", "free", "SKILL.md"), "---\nname: free\ndescription: Anything goes.\n---\nDo anything.");
        var (sessionId, session) = await kit.CreateAsync();
        var bash = FakeToolCall.Create("bash", """{"command":"echo ran"}""");
        kit.Llm.Enqueue(
            FakeResponse.ToolCalls(FakeToolCall.Create("skill", """{"action":"load","name":"notes-only"}""")),
            FakeResponse.ToolCalls(bash),
            FakeResponse.ToolCalls(FakeToolCall.Create("memory", """{"action":"remember","content":"a note"}""")),
            FakeResponse.ToolCalls(FakeToolCall.Create("skill", """{"action":"load","name":"free"}""")),
            FakeResponse.ToolCalls(bash),
            FakeResponse.ToolCalls(FakeToolCall.Create("skill", """{"action":"load","name":"notes-only"}""")),
            FakeResponse.Text("first turn done"));
        await kit.AskAsync(session, "take notes");

        var results = await kit.EventsAsync<ToolFinished>(sessionId);
        Assert.Equal([ToolOutcome.Ok, ToolOutcome.Denied, ToolOutcome.Ok, ToolOutcome.Ok, ToolOutcome.Ok, ToolOutcome.Ok], results.Select(r => r.Status));
        Assert.Contains("Only write notes.", results[0].Content, StringComparison.Ordinal);
        Assert.Contains("may call only: memory", results[0].Content, StringComparison.Ordinal);
        Assert.Contains("the active skill 'notes-only' allows only memory", results[1].Content, StringComparison.Ordinal);
        Assert.Contains("ran", results[4].Content, StringComparison.Ordinal);

        // The skill loaded last in the first turn does not carry over into the next one.
        kit.Llm.Enqueue(FakeResponse.ToolCalls(bash), FakeResponse.Text("second turn done"));
        await kit.AskAsync(session, "now run something");
        var second = (await kit.EventsAsync<ToolFinished>(sessionId)).Last();
        Assert.Equal(ToolOutcome.Ok, second.Status);

        // The model was told about the refusal as a tool result.
        var refusal = kit.Llm.Requests[2].Body!["messages"]!.AsArray().Last()!;
        Assert.Equal("tool", refusal["role"]!.GetValue<string>());
        Assert.Contains("allows only memory", refusal["content"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadingAnUnknownSkill_IsAnErrorAndRestrictsNothing()
    {
        await using var kit = await SessionKit.StartAsync();
        Write(Path.Combine(kit.AgentDirectory(), "skills", "real", "SKILL.md"), "---\nname: real\ndescription: Real.\nallowed-tools: memory\n---\nBody.");
        var (sessionId, session) = await kit.CreateAsync();
        kit.Llm.Enqueue(
            FakeResponse.ToolCalls(FakeToolCall.Create("skill", """{"action":"load","name":"ghost"}""")),
            FakeResponse.ToolCalls(FakeToolCall.Create("bash", """{"command":"echo still"}""")),
            FakeResponse.Text("ok"));

        await kit.AskAsync(session, "go");

        var results = await kit.EventsAsync<ToolFinished>(sessionId);
        Assert.Equal([ToolOutcome.Error, ToolOutcome.Ok], results.Select(r => r.Status));
        Assert.Contains("There is no skill 'ghost'. Skills: real.", results[0].Content, StringComparison.Ordinal);
    }
}
