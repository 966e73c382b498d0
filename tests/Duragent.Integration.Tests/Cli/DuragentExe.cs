namespace Duragent.Integration.Tests.Cli;

/// <summary>Where the real <c>duragent.dll</c> is: next to this test assembly (project reference), or in src/Cli/bin.</summary>
internal static class DuragentExe
{
    public static string DllPath { get; } = Locate();

    private static string Locate()
    {
        var local = Path.Combine(AppContext.BaseDirectory, "duragent.dll");
        if (File.Exists(local) && File.Exists(Path.Combine(AppContext.BaseDirectory, "duragent.runtimeconfig.json")))
        {
            return local;
        }

        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Parent?.Name ?? "Debug";
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "src", "Cli", "bin", configuration, "net10.0", "duragent.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"duragent.dll is neither next to the tests ({local}) nor in src/Cli/bin/{configuration}/net10.0; build src/Cli first.");
    }
}
