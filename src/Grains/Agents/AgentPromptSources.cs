using Duragent.Configuration;

namespace Duragent.Agents;

/// <summary>
/// Reads, at each LLM call, what an agent's system prompt holds besides its definition: the workspace's and the
/// agent's directives and the <c>AGENTS.md</c> of its working directory, through one <see cref="PromptFileCache"/> per
/// silo (unchanged files are not read again). Sessions and <c>duragent agent show --prompt</c> assemble the prompt here,
/// so both show the same thing.
/// </summary>
public sealed class AgentPromptSources
{
    /// <summary>The project notes file read from the agent's working directory: <c>AGENTS.md</c>.</summary>
    public const string AgentsFileName = "AGENTS.md";

    private readonly PromptFileCache _files = new();

    public AgentPromptSources(DuragentWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        WorkspaceDirectivesDirectory = workspace.DirectivesDirectory;
    }

    /// <summary>The workspace's directives directory: <c>{workspace}/directives</c>.</summary>
    public string WorkspaceDirectivesDirectory { get; }

    /// <summary>The current directives and <c>AGENTS.md</c> of <paramref name="agent"/>.</summary>
    public SystemPromptInputs Read(AgentDefinition agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var directives = Directives.Collect(agent, WorkspaceDirectivesDirectory, _files);
        var agentsPath = Path.Combine(agent.HomeDirectory, AgentsFileName);
        var agentsFile = _files.Read(agentsPath) is { } text ? new PromptFile(agentsPath, text) : null;
        return new SystemPromptInputs(directives, agentsFile);
    }

    /// <summary>The system prompt of <paramref name="agent"/> as of <paramref name="now"/>, with <paramref name="sessionBlocks"/> last.</summary>
    public AssembledPrompt Assemble(AgentDefinition agent, DateTimeOffset now, IEnumerable<SystemPromptBlock>? sessionBlocks = null) =>
        SystemPromptBuilder.Assemble(agent, now, Read(agent), sessionBlocks);
}
