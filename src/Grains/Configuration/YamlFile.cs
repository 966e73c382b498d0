using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Duragent.Configuration;

/// <summary>
/// One YAML file being read: parses the text and collects located diagnostics. Readers of the individual
/// mappings (<see cref="YamlMap"/>) report into it, so one pass finds every problem in the file.
/// </summary>
internal sealed class YamlFile
{
    private readonly List<ConfigDiagnostic> _diagnostics = [];

    public YamlFile(string file)
    {
        File = file;
    }

    /// <summary>The file path used in diagnostics.</summary>
    public string File { get; }

    public IReadOnlyList<ConfigDiagnostic> Diagnostics => _diagnostics;

    public bool HasErrors => _diagnostics.Exists(d => d.IsError);

    /// <summary>
    /// Parses <paramref name="text"/>. Returns the root node of the only document, or null when the text holds no
    /// document (empty, or comments only) or a syntax error was reported.
    /// </summary>
    public YamlNode? Parse(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            Error(ex.Start, $"invalid YAML: {ex.Message.TrimEnd('.')}. Expected well-formed YAML: check the indentation (spaces, not tabs), that each key is followed by ': ', and that quotes and brackets are closed");
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            Error(stream.Documents[1].RootNode.Start, $"the file holds {stream.Documents.Count} YAML documents; expected exactly one");
            return null;
        }

        return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
    }

    public void Add(ConfigDiagnostic diagnostic) => _diagnostics.Add(diagnostic);

    public void Error(Mark mark, string message) =>
        _diagnostics.Add(new ConfigDiagnostic(ConfigDiagnosticSeverity.Error, File, (int)mark.Line, (int)mark.Column, message));

    public void Warning(Mark mark, string message) =>
        _diagnostics.Add(new ConfigDiagnostic(ConfigDiagnosticSeverity.Warning, File, (int)mark.Line, (int)mark.Column, message));

    public void Error(int line, int column, string message) =>
        _diagnostics.Add(new ConfigDiagnostic(ConfigDiagnosticSeverity.Error, File, line, column, message));

    /// <summary>An error with no position (unreadable file and the like).</summary>
    public void Error(string message) =>
        _diagnostics.Add(new ConfigDiagnostic(ConfigDiagnosticSeverity.Error, File, 0, 0, message));

    /// <summary>True for a plain <c>~</c>, <c>null</c> or empty scalar (a key with nothing after the colon).</summary>
    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } scalar
        && (string.IsNullOrEmpty(scalar.Value) || scalar.Value is "~" or "null" or "Null" or "NULL");

    /// <summary>How a node is shown after "found" in a message.</summary>
    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s when IsNull(s) => "nothing (null)",
        YamlScalarNode s => $"'{Shorten(s.Value ?? string.Empty)}'",
        _ => "an unsupported YAML node",
    };

    /// <summary>Turns a node into plain objects: mappings into dictionaries, lists into lists, scalars into strings.</summary>
    public static object? ToPlainObject(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                var dictionary = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (key, value) in map.Children)
                {
                    dictionary[(key as YamlScalarNode)?.Value ?? key.ToString()] = ToPlainObject(value);
                }

                return dictionary.AsReadOnly();
            case YamlSequenceNode sequence:
                return sequence.Children.Select(ToPlainObject).ToArray();
            case YamlScalarNode scalar:
                return IsNull(scalar) ? null : scalar.Value;
            default:
                return null;
        }
    }

    private static string Shorten(string text) => text.Length > 60 ? text[..60] + "…" : text;
}
