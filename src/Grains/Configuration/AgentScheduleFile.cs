using Duragent.Schedules;

namespace Duragent.Configuration;

/// <summary>
/// An agent's own static schedules: <c>schedules.yaml</c> next to its <c>agent.yaml</c>, holding a <c>schedules:</c> list
/// read like the section of <c>duragent.yaml</c> (<see cref="ScheduleDeclarationReader"/>). <c>agent</c> may be left out;
/// a declared <c>id</c> becomes the schedule <c>&lt;agent&gt;.&lt;id&gt;</c>.
/// </summary>
public static class AgentScheduleFile
{
    /// <summary>The file name: <c>schedules.yaml</c>.</summary>
    public const string FileName = "schedules.yaml";

    /// <summary>
    /// Reads <c>schedules.yaml</c> of agent <paramref name="agent"/> in <paramref name="agentDirectory"/>. A missing file
    /// declares nothing. The valid declarations are returned even when others have errors; every problem is a located
    /// diagnostic. Never throws for the file's content or an unreadable file.
    /// </summary>
    public static AgentScheduleLoad Load(string agentDirectory, string agent)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentDirectory);
        ArgumentException.ThrowIfNullOrEmpty(agent);
        var path = Path.GetFullPath(Path.Combine(agentDirectory, FileName));
        if (!File.Exists(path))
        {
            return new AgentScheduleLoad(agent, path, false, [], []);
        }

        var file = new YamlFile(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            file.Error($"cannot read the file: {ex.Message}");
            return new AgentScheduleLoad(agent, path, true, [], file.Diagnostics);
        }

        return Parse(text, path, agent);
    }

    /// <summary>Parses <paramref name="text"/> as if read from <paramref name="path"/>, the <c>schedules.yaml</c> of <paramref name="agent"/>.</summary>
    public static AgentScheduleLoad Parse(string text, string path, string agent)
    {
        ArgumentNullException.ThrowIfNull(text);
        var file = new YamlFile(path);
        List<DeclaredSchedule> items = [];
        if (file.Parse(text) is { } root && YamlMap.From(file, root, string.Empty, "a mapping with a schedules list") is { } map)
        {
            items = ScheduleDeclarationReader.Read(map, agent);
            map.WarnUnknownKeys();
        }

        return new AgentScheduleLoad(agent, path, true, items, file.Diagnostics);
    }
}

/// <summary>What an agent's <c>schedules.yaml</c> declares: the valid declarations, and every error and warning located.</summary>
public sealed record AgentScheduleLoad(string Agent, string File, bool Exists, IReadOnlyList<DeclaredSchedule> Items, IReadOnlyList<ConfigDiagnostic> Diagnostics)
{
    /// <summary>True when some declaration (or the whole file) could not be read.</summary>
    public bool HasErrors => Diagnostics.Any(d => d.IsError);
}
