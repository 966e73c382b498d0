using Duragent.Agents;

namespace Duragent.Grains.Tests.Agents;

public class SystemPromptBuilderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 9, 5, 0, TimeSpan.Zero);

    private static AgentDefinition Agent(AgentPrompts prompts) => new()
    {
        Metadata = new AgentMetadata { Name = "helper" },
        HomeDirectory = "/agents/helper",
        SourceFile = "/agents/helper/agent.yaml",
        SkillsDirectory = "/agents/helper/skills",
        Model = new ModelSpec { Provider = ModelProvider.Ollama, Name = "llama3.2" },
        Prompts = prompts,
    };

    [Fact]
    public void Build_PutsPrimeDirectivesFirstThenSoulSystemPromptInstructions()
    {
        var agent = Agent(new AgentPrompts
        {
            Instructions = new PromptFile("/i.md", "Instructions for {{agent.name}}.\n"),
            Soul = new PromptFile("/s.md", "\n\nSoul.\n"),
            SystemPrompt = new PromptFile("/p.md", "Today is {{date}}."),
        });

        var prompt = SystemPromptBuilder.Build(agent, Now);

        Assert.Equal(PrimeDirectives.Text.Trim() + "\n\nSoul.\n\nToday is 2026-11-21.\n\nInstructions for helper.", prompt);
    }

    [Fact]
    public void Build_SkipsMissingAndEmptyFiles()
    {
        var agent = Agent(new AgentPrompts { SystemPrompt = new PromptFile("/p.md", "  \n"), Instructions = new PromptFile("/i.md", "Only me.") });

        Assert.Equal(PrimeDirectives.Text.Trim() + "\n\nOnly me.", SystemPromptBuilder.Build(agent, Now));
    }

    [Fact]
    public void Build_OrdersAdditionalBlocksByPriority()
    {
        var agent = Agent(new AgentPrompts { Soul = new PromptFile("/s.md", "Soul.") });
        var extra = new[]
        {
            new SystemPromptBlock(SystemPromptBlock.SessionPriority, "Session."),
            new SystemPromptBlock(SystemPromptBlock.DirectivesPriority, "## Directives\n- be brief"),
            new SystemPromptBlock(SystemPromptBlock.SkillsPriority, "Skills {{date}}"),
        };

        var prompt = SystemPromptBuilder.Build(agent, Now, extra);

        Assert.Equal(PrimeDirectives.Text.Trim() + "\n\nSoul.\n\n## Directives\n- be brief\n\nSkills {{date}}\n\nSession.", prompt);
    }

    [Fact]
    public void Build_TakesTheDateFromTheTimeProvider()
    {
        var agent = Agent(new AgentPrompts { Soul = new PromptFile("/s.md", "{{date}} {{time}}") });
        var clock = new FixedTimeProvider(new DateTimeOffset(2030, 1, 2, 23, 59, 0, TimeSpan.Zero));

        Assert.EndsWith("2030-01-02 23:59 UTC", SystemPromptBuilder.Build(agent, clock));
    }

    [Fact]
    public void PrimeDirectives_CoverHonestySafetyAndConfirmation()
    {
        Assert.Contains("Tool honesty", PrimeDirectives.Text);
        Assert.Contains("stop", PrimeDirectives.Text);
        Assert.Contains("explicit confirmation", PrimeDirectives.Text);
    }
}
