namespace Duragent.Integration.Tests.Cli;

/// <summary>
/// Where the real <c>duragent</c> is: <c>duragent.dll</c> next to this test assembly (project reference) or in src/Cli/bin,
/// run with <c>dotnet</c>; or, when <c>DURAGENT_TEST_EXECUTABLE</c> names a file, that executable (for example the
/// trimmed single file from <c>dotnet publish src/Cli -c Release -r linux-x64</c>), so the end-to-end tests can check
/// a published build.
/// </summary>
internal static class DuragentExe
{
    public const string ExecutableVariable = "DURAGENT_TEST_EXECUTABLE";

    public static string DllPath { get; } = Locate();

    /// <summary>The published executable the tests run instead of <c>dotnet duragent.dll</c>, if one is configured.</summary>
    public static string? Published { get; } = Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } path
        ? File.Exists(path) ? Path.GetFullPath(path) : throw new FileNotFoundException($"{ExecutableVariable} names no file: {path}", path)
        : null;

    /// <summary>The program to start and the arguments that come before duragent's own.</summary>
    public static (string FileName, string[] Prefix) Command =>
        Published is { } exe ? (exe, []) : ("dotnet", [DllPath]);

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
