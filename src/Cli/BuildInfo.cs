using System.Reflection;

namespace Duragent.Cli;

/// <summary>What <c>duragent --version</c> prints: the version, the commit it was built from and the build date.</summary>
internal static class BuildInfo
{
    private static readonly Assembly Assembly = typeof(BuildInfo).Assembly;

    /// <summary>The product version, e.g. <c>0.1.0</c>.</summary>
    public static string Version { get; } = ReadVersion();

    /// <summary>The short commit hash, or <c>unknown</c> when the build had no git information.</summary>
    public static string Commit { get; } = ReadCommit();

    /// <summary>The UTC build date (<c>yyyy-MM-dd</c>), or <c>unknown</c>.</summary>
    public static string BuildDate { get; } =
        Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "BuildDate")?.Value ?? "unknown";

    /// <summary>The one-line description: <c>duragent 0.1.0 (commit 21721eb, built 2026-11-21)</c>.</summary>
    public static string Describe() => $"duragent {Version} (commit {Commit}, built {BuildDate})";

    private static string Informational =>
        Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    private static string ReadVersion()
    {
        var text = Informational;
        var plus = text.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? text : text[..plus];
    }

    private static string ReadCommit()
    {
        var text = Informational;
        var plus = text.IndexOf('+', StringComparison.Ordinal);
        if (plus < 0 || plus == text.Length - 1)
        {
            return "unknown";
        }

        var commit = text[(plus + 1)..];
        return commit.Length > 12 ? commit[..12] : commit;
    }
}
