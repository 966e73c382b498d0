namespace Duragent.Agents.Templates;

/// <summary>A file to scaffold: its path relative to the target directory (forward slashes) and its contents.</summary>
public sealed record TemplateFile(string RelativePath, string Content);
