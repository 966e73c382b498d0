namespace Duragent.Agents;

/// <summary>The names accepted for <c>{type: builtin}</c> tools.</summary>
public static class BuiltinToolNames
{
    /// <summary>Runs shell commands.</summary>
    public const string Bash = "bash";

    /// <summary>Web search and fetch.</summary>
    public const string Web = "web";

    /// <summary>Creates, lists and cancels schedules.</summary>
    public const string Schedule = "schedule";

    /// <summary>Long-running processes.</summary>
    public const string BackgroundProcess = "background_process";

    /// <summary>Peeks at the agent's other sessions.</summary>
    public const string Session = "session";

    /// <summary>Re-discovers tools.</summary>
    public const string ReloadTools = "reload_tools";

    /// <summary>Agent and world memory.</summary>
    public const string Memory = "memory";

    /// <summary>
    /// Loads a skill's instructions (and activates its <c>allowed-tools</c>). Not declared in <c>spec.tools</c>: offered
    /// whenever the agent has at least one valid skill.
    /// </summary>
    public const string Skill = "skill";

    /// <summary>Every known built-in name.</summary>
    public static IReadOnlyList<string> All { get; } = [Bash, Web, Schedule, BackgroundProcess, Session, ReloadTools, Memory];

    /// <summary>True when <paramref name="name"/> is a known built-in tool.</summary>
    public static bool IsKnown(string name) => All.Contains(name, StringComparer.Ordinal);
}
