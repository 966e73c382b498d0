namespace Duragent.Configuration;

/// <summary>
/// A configuration file could not be loaded. <see cref="Diagnostics"/> holds every located error found (and the
/// warnings seen before giving up); the message lists the errors, one per line.
/// </summary>
public class ConfigurationException : Exception
{
    public ConfigurationException()
    {
        Diagnostics = [];
    }

    public ConfigurationException(string message)
        : base(message)
    {
        Diagnostics = [];
    }

    public ConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Diagnostics = [];
    }

    public ConfigurationException(string file, IReadOnlyList<ConfigDiagnostic> diagnostics)
        : base(FormatMessage(file, diagnostics))
    {
        Diagnostics = diagnostics;
    }

    /// <summary>The errors (and warnings) found, each located.</summary>
    public IReadOnlyList<ConfigDiagnostic> Diagnostics { get; }

    /// <summary>The errors only.</summary>
    public IEnumerable<ConfigDiagnostic> Errors => Diagnostics.Where(d => d.IsError);

    private static string FormatMessage(string file, IReadOnlyList<ConfigDiagnostic> diagnostics)
    {
        var errors = diagnostics.Where(d => d.IsError).ToList();
        var header = errors.Count == 1 ? $"Invalid configuration in {file}:" : $"Invalid configuration in {file} ({errors.Count} errors):";
        return header + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e));
    }
}
