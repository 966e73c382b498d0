namespace Duragent.Configuration;

/// <summary>How bad a <see cref="ConfigDiagnostic"/> is.</summary>
public enum ConfigDiagnosticSeverity
{
    /// <summary>The file still loads; something was ignored or looks wrong.</summary>
    Warning = 0,

    /// <summary>The file (or the agent it defines) cannot be used.</summary>
    Error = 1,
}

/// <summary>
/// A problem found in a configuration file, located by file, line and column (1-based; 0 when the problem has no
/// position, for example an unreadable file). <see cref="ToString"/> prints it compiler-style:
/// <c>/path/agent.yaml:7:18: error: spec.model.temperature: expected a number from 0 to 2, found 'hot'</c>.
/// </summary>
public sealed record ConfigDiagnostic(ConfigDiagnosticSeverity Severity, string File, int Line, int Column, string Message)
{
    /// <summary>True for <see cref="ConfigDiagnosticSeverity.Error"/>.</summary>
    public bool IsError => Severity == ConfigDiagnosticSeverity.Error;

    public override string ToString()
    {
        var level = IsError ? "error" : "warning";
        return Line > 0 ? $"{File}:{Line}:{Column}: {level}: {Message}" : $"{File}: {level}: {Message}";
    }
}
