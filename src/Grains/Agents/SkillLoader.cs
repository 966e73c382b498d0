using System.Text.RegularExpressions;
using Duragent.Configuration;
using YamlDotNet.RepresentationModel;

namespace Duragent.Agents;

/// <summary>
/// Reads an agent's skills: every <c>&lt;skills_dir&gt;/&lt;name&gt;/SKILL.md</c>. A skill file is YAML front matter
/// between two <c>---</c> lines (one <c># Title</c> line before it is tolerated), then Markdown instructions. Front
/// matter: <c>name</c> (required; 1–64 lowercase letters, digits and <c>-</c>; equal to the directory name),
/// <c>description</c> (required; at most 1024 characters), <c>allowed-tools</c> (optional; tool names separated by
/// spaces or commas, or a YAML list), <c>metadata</c> (optional; text values), <c>license</c> and
/// <c>compatibility</c> (optional; ignored). Every problem is a warning located at its <c>SKILL.md</c> line; a skill
/// with a problem in a required field is skipped, an unusable <c>allowed-tools</c> entry is dropped.
/// </summary>
internal static partial class SkillLoader
{
    /// <summary>The skill file in each skill directory: <c>SKILL.md</c>.</summary>
    public const string FileName = "SKILL.md";

    /// <summary>The longest description: 1024 characters.</summary>
    public const int MaxDescriptionLength = 1024;

    /// <summary>
    /// Loads the skills of <paramref name="skillsDirectory"/>, sorted by name. Every directory and file looked at is
    /// stamped in <paramref name="stamps"/> (so adding or editing a skill reloads the agent); problems go to
    /// <paramref name="report"/>. <paramref name="toolNames"/> are the agent's tools, for warnings about unknown names.
    /// </summary>
    public static IReadOnlyList<SkillSpec> Load(string skillsDirectory, AgentFileStamps.Builder stamps, Action<ConfigDiagnostic> report, IReadOnlyCollection<string> toolNames)
    {
        stamps.Add(skillsDirectory);
        if (!Directory.Exists(skillsDirectory))
        {
            return [];
        }

        var skills = new List<SkillSpec>();
        foreach (var directory in Directory.EnumerateDirectories(skillsDirectory).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(directory);
            if (name.StartsWith('.'))
            {
                continue;
            }

            stamps.Add(directory);
            var file = Path.Combine(directory, FileName);
            stamps.Add(file);
            if (!File.Exists(file))
            {
                report(Warning(file, 0, 0, $"skill directory '{name}' has no {FileName}; the skill is skipped"));
                continue;
            }

            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                report(Warning(file, 0, 0, $"cannot read the file: {ex.Message}; the skill is skipped"));
                continue;
            }

            if (Parse(file, name, text, report, toolNames) is { } skill)
            {
                skills.Add(skill);
            }
        }

        return skills;
    }

    /// <summary>The instructions of a skill file: everything after its front matter (the whole text when it has none).</summary>
    public static string Body(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Split(text) is { } parts ? parts.Body : text;
    }

    private static SkillSpec? Parse(string file, string directoryName, string text, Action<ConfigDiagnostic> report, IReadOnlyCollection<string> toolNames)
    {
        if (Split(text) is not { } parts)
        {
            report(Warning(file, 1, 1, "no YAML front matter; expected a '---' line, then name and description, then a closing '---' line; the skill is skipped"));
            return null;
        }

        // Padded so that the YAML parser's line numbers are the file's.
        var yaml = new YamlFile(file);
        var root = yaml.Parse(new string('\n', parts.YamlFirstLine - 1) + parts.Yaml);
        SkillSpec? skill = null;
        if (root is null && !yaml.HasErrors)
        {
            yaml.Error(parts.YamlFirstLine, 1, "the front matter is empty; expected name and description");
        }
        else if (root is not null && YamlMap.From(yaml, root, string.Empty, "a mapping with name and description") is { } map)
        {
            skill = Read(map, yaml, file, directoryName, toolNames);
            map.WarnUnknownKeys();
        }

        var skipped = yaml.HasErrors;
        foreach (var diagnostic in yaml.Diagnostics)
        {
            var suffix = diagnostic.IsError ? "; the skill is skipped" : string.Empty;
            report(diagnostic with { Severity = ConfigDiagnosticSeverity.Warning, Message = diagnostic.Message + suffix });
        }

        return skipped ? null : skill;
    }

    private static SkillSpec? Read(YamlMap map, YamlFile yaml, string file, string directoryName, IReadOnlyCollection<string> toolNames)
    {
        var name = map.RequiredString("name", $"the skill's name, equal to its directory name ('{directoryName}')");
        if (name is not null && (name.Length > 64 || !SkillNamePattern().IsMatch(name)))
        {
            map.Error("name", $"'{name}' is not a valid skill name; expected 1 to 64 lowercase letters, digits and single '-' between them");
        }
        else if (name is not null && !string.Equals(name, directoryName, StringComparison.Ordinal))
        {
            map.Error("name", $"'{name}' differs from the skill's directory name '{directoryName}'; expected name: {directoryName}");
        }

        var description = map.RequiredString("description", "what the skill does and when to use it");
        if (description is not null && description.Trim().Length == 0)
        {
            map.Error("description", "is empty; expected what the skill does and when to use it");
        }
        else if (description is not null && description.Length > MaxDescriptionLength)
        {
            map.Error("description", $"is {description.Length} characters long; the most is {MaxDescriptionLength}");
        }

        var allowed = ReadAllowedTools(map, yaml, toolNames);
        var metadata = map.StringMap("metadata");
        _ = map.String("license");
        _ = map.String("compatibility");
        return name is null || description is null
            ? null
            : new SkillSpec
            {
                Name = name,
                Description = description.Trim(),
                AllowedTools = allowed,
                Path = file,
                Metadata = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal).AsReadOnly(),
            };
    }

    private static List<string>? ReadAllowedTools(YamlMap map, YamlFile yaml, IReadOnlyCollection<string> toolNames)
    {
        const string Key = "allowed-tools";
        var node = map.Node(Key);
        if (node is null)
        {
            return null;
        }

        IEnumerable<(string Name, YamlDotNet.Core.Mark Mark)> entries = node switch
        {
            YamlScalarNode scalar => (scalar.Value ?? string.Empty)
                .Split([' ', ',', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries)
                .Select(n => (n, scalar.Start)),
            YamlSequenceNode list => list.Children.Select(c => ((c as YamlScalarNode)?.Value ?? string.Empty, c.Start)),
            _ => [],
        };
        if (node is not (YamlScalarNode or YamlSequenceNode))
        {
            map.Warning(Key, "expected tool names separated by spaces (bash memory) or a list; ignored, the skill does not restrict tools");
            return null;
        }

        var names = new List<string>();
        foreach (var (entry, mark) in entries)
        {
            if (!ToolNamePattern().IsMatch(entry))
            {
                yaml.Warning(mark, $"{Key}: '{entry}' is not a tool name (expected names such as bash or memory; patterns are not supported); it is ignored");
                continue;
            }

            if (!toolNames.Contains(entry, StringComparer.OrdinalIgnoreCase))
            {
                yaml.Warning(mark, $"{Key}: the agent has no tool '{entry}' (it has: {(toolNames.Count == 0 ? "none" : string.Join(", ", toolNames))})");
            }

            names.Add(entry);
        }

        return names;
    }

    private static (int YamlFirstLine, string Yaml, string Body)? Split(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var i = 0;
        while (i < lines.Length && lines[i].Trim().Length == 0)
        {
            i++;
        }

        // A leading "# Title" is tolerated (as in the original), with blank lines after it.
        if (i < lines.Length && lines[i].StartsWith("# ", StringComparison.Ordinal))
        {
            i++;
            while (i < lines.Length && lines[i].Trim().Length == 0)
            {
                i++;
            }
        }

        if (i >= lines.Length || lines[i].TrimEnd() != "---")
        {
            return null;
        }

        var open = i;
        for (var close = open + 1; close < lines.Length; close++)
        {
            if (lines[close].TrimEnd() == "---")
            {
                var yaml = string.Join('\n', lines[(open + 1)..close]);
                var body = string.Join('\n', lines[(close + 1)..]).Trim('\n');
                return (open + 2, yaml, body);
            }
        }

        return null;
    }

    private static ConfigDiagnostic Warning(string file, int line, int column, string message) =>
        new(ConfigDiagnosticSeverity.Warning, file, line, column, message);

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex SkillNamePattern();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex ToolNamePattern();
}
