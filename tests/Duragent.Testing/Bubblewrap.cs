namespace Duragent.Testing;

/// <summary>Whether the tests of the tool sandbox can run here.</summary>
public static class Bubblewrap
{
    private static readonly Lazy<bool> Installed = new(() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, "bwrap"))));

    /// <summary>
    /// Why a test that needs bubblewrap must be skipped, or null: null when <c>bwrap</c> is installed, and always under
    /// CI (<c>CI=true</c>), where <c>.ci/run</c> installs it and a missing one must fail the run rather than hide.
    /// </summary>
    public static string? SkipReason =>
        Installed.Value || string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
            ? null
            : "needs bubblewrap (apt-get install bubblewrap); .ci/run installs it";
}
