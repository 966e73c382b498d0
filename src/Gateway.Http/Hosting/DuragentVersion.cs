using System.Reflection;
using System.Runtime.InteropServices;
using Duragent.Gateway.Http.Json;

namespace Duragent.Gateway.Http.Hosting;

/// <summary>
/// The build's identity for <c>/version</c> and <c>/readyz</c>: the informational version of the Duragent assemblies
/// (they share one), and the commit and build date from assembly metadata (<c>Commit</c>, <c>BuildDate</c>) when the
/// build set them; otherwise the commit the SDK appended to the informational version (<c>0.1.0+abc123</c>), or
/// <c>unknown</c>.
/// </summary>
public static class DuragentVersion
{
    /// <summary>Written when the build recorded no commit or date: <c>unknown</c>.</summary>
    public const string Unknown = "unknown";

    private static readonly Lazy<VersionInfo> Current = new(Read);

    /// <summary>The version, e.g. <c>0.1.0</c>.</summary>
    public static string Version => Current.Value.Version;

    /// <summary>The whole <c>/version</c> body.</summary>
    public static VersionInfo Info => Current.Value;

    private static VersionInfo Read()
    {
        var assembly = typeof(DuragentVersion).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString()
            ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        var version = plus < 0 ? informational : informational[..plus];
        var suffix = plus < 0 ? null : informational[(plus + 1)..];
        string? commit = null;
        string? buildDate = null;
        foreach (var metadata in assembly.GetCustomAttributes<AssemblyMetadataAttribute>())
        {
            if (string.Equals(metadata.Key, "Commit", StringComparison.OrdinalIgnoreCase))
            {
                commit = metadata.Value;
            }
            else if (string.Equals(metadata.Key, "BuildDate", StringComparison.OrdinalIgnoreCase))
            {
                buildDate = metadata.Value;
            }
        }

        return new VersionInfo(
            version,
            NonEmpty(commit) ?? NonEmpty(suffix) ?? Unknown,
            NonEmpty(buildDate) ?? Unknown,
            RuntimeInformation.FrameworkDescription,
            $"{RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()})");
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
