using System.Text.Json;
using Duragent.Agents;

namespace Duragent.Tools;

/// <summary>
/// The built-in <c>skill</c> tool, offered when the agent has skills: <c>load</c> returns a skill's instructions (read
/// from its <c>SKILL.md</c> at that moment) and makes it the active skill of the turn; <c>unload</c> ends it. While a
/// skill with <c>allowed-tools</c> is active, the session refuses calls of other tools (<see cref="SkillActivation"/>).
/// Idempotent: loading twice is loading once.
/// </summary>
public sealed class SkillTool(IReadOnlyList<SkillSpec> skills) : ITool
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "action": { "type": "string", "enum": ["load", "unload"] },
            "name": { "type": "string", "description": "load: the skill's name, as listed in <available_skills>." }
          },
          "required": ["action"],
          "additionalProperties": false
        }
        """).RootElement.Clone();

    public string Name => BuiltinToolNames.Skill;

    public string Kind => "builtin";

    public string Description =>
        "Load a skill's instructions before a task that matches its description (action load, with name), or end the " +
        "active skill (action unload). Available: " + string.Join(", ", skills.Select(s => s.Name)) + ".";

    public JsonElement ParametersSchema => Schema;

    public bool Idempotent => true;

    public string DescribeInvocation(JsonElement arguments) =>
        SkillActivation.Parse(arguments) is { } request ? $"{Name}:{request.Action}{(request.Skill is { } s ? " " + s : string.Empty)}" : $"{Name}:?";

    public async Task<ToolResult> ExecuteAsync(JsonElement arguments, ToolContext context, CancellationToken cancellationToken)
    {
        switch (SkillActivation.Parse(arguments))
        {
            case { Action: "unload" }:
                return ToolResult.Success("No skill is active now; every tool is available again.");
            case { Action: "load", Skill: { } name }:
                var skill = skills.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal));
                if (skill is null)
                {
                    return ToolResult.Failure($"There is no skill '{name}'. Skills: {string.Join(", ", skills.Select(s => s.Name))}.");
                }

                string text;
                try
                {
                    text = await File.ReadAllTextAsync(skill.Path, cancellationToken);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    return ToolResult.Failure($"The skill '{name}' cannot be read: {ex.Message}");
                }

                var limits = skill.AllowedTools is { } allowed
                    ? $"While it is active you may call only: {(allowed.Count == 0 ? "no tools" : string.Join(", ", allowed))} (and skill, to unload it)."
                    : "It does not restrict your tools.";
                return ToolResult.Success($"Skill '{skill.Name}' loaded. {limits}\n\n{SkillLoader.Body(text)}");
            default:
                return ToolResult.Failure("The skill tool needs 'action': load (with 'name') or unload.");
        }
    }
}
