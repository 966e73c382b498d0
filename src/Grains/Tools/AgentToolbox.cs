using Duragent.Agents;
using Duragent.Llm;

namespace Duragent.Tools;

/// <summary>The tools one agent may call, built from its <c>spec.tools</c>.</summary>
public sealed class AgentToolbox
{
    private readonly Dictionary<string, ITool> _byName;

    public AgentToolbox(IReadOnlyList<ITool> tools, IReadOnlyList<string> warnings)
    {
        Tools = tools;
        Warnings = warnings;
        _byName = new Dictionary<string, ITool>(StringComparer.Ordinal);
        foreach (var tool in tools)
        {
            _byName.TryAdd(tool.Name, tool);
        }

        Definitions = tools.Select(t => new ToolDefinition(t.Name, t.Description, t.ParametersSchema)).ToList();
    }

    /// <summary>No tools.</summary>
    public static AgentToolbox Empty { get; } = new([], []);

    public IReadOnlyList<ITool> Tools { get; }

    /// <summary>What the model is told about the tools.</summary>
    public IReadOnlyList<ToolDefinition> Definitions { get; }

    /// <summary>Declared tools this version cannot offer, in words.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The tool named <paramref name="name"/> (exact match first, then ignoring case), or null.</summary>
    public ITool? Find(string name)
    {
        if (_byName.TryGetValue(name, out var tool))
        {
            return tool;
        }

        return Tools.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Builds the toolbox of <paramref name="agent"/>: its <c>spec.tools</c>, then <c>memory</c> when it has
    /// <c>spec.memory</c> and <c>skill</c> when it has skills. <c>schedule</c> and <c>memory</c> need <paramref name="grains"/>.
    /// </summary>
    public static AgentToolbox For(AgentDefinition agent, ProcessRunner runner, IGrainFactory? grains = null)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(runner);
        var tools = new List<ITool>();
        var warnings = new List<string>();
        foreach (var spec in agent.Tools)
        {
            switch (spec)
            {
                case BuiltinToolSpec { Name: "bash" } bash:
                    tools.Add(new BashTool(runner, TimeSpan.FromSeconds(ProcessRunner.DefaultTimeoutSeconds), idempotent: bash.Idempotent));
                    break;
                case BuiltinToolSpec { Name: BuiltinToolNames.Schedule } when grains is not null:
                    tools.Add(new ScheduleTool(grains));
                    break;
                case BuiltinToolSpec { Name: BuiltinToolNames.Memory } when grains is not null:
                    // Listing it is another way to turn it on; spec.memory also adds the memory directive.
                    break;
                case CliToolSpec cli:
                    tools.Add(new CliTool(
                        cli.Name,
                        ResolveCommand(agent.HomeDirectory, cli.Command),
                        DescribeCli(cli),
                        cli.Idempotent,
                        runner,
                        TimeSpan.FromSeconds(cli.TimeoutSeconds ?? ProcessRunner.DefaultTimeoutSeconds)));
                    break;
                default:
                    warnings.Add($"The built-in tool '{spec.Name}' is not available in this version of Duragent; the agent runs without it.");
                    break;
            }
        }

        var memoryListed = agent.Tools.Any(t => t is BuiltinToolSpec { Name: BuiltinToolNames.Memory });
        if ((agent.MemoryEnabled || memoryListed) && grains is not null)
        {
            tools.Add(new MemoryTool(grains));
        }

        if (agent.Skills.Count > 0)
        {
            tools.Add(new SkillTool(agent.Skills));
        }

        return new AgentToolbox(tools, warnings);
    }

    private static string ResolveCommand(string home, string command)
    {
        // A command that names a file of the agent (./run.sh, tools/x/run) runs from the agent's directory.
        var first = command.Split(' ', 2)[0];
        if (!Path.IsPathRooted(first) && (first.StartsWith("./", StringComparison.Ordinal) || first.Contains('/', StringComparison.Ordinal)))
        {
            var full = Path.GetFullPath(Path.Combine(home, first));
            return command.Length > first.Length ? $"{Quote(full)}{command[first.Length..]}" : Quote(full);
        }

        return command;
    }

    private static string Quote(string path) => "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string DescribeCli(CliToolSpec cli)
    {
        var text = cli.Description ?? $"CLI tool: {cli.Name}";
        if (cli.ReadmePath is { } readme && File.Exists(readme))
        {
            text += "\n\n" + File.ReadAllText(readme);
        }

        return text;
    }
}
