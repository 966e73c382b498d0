namespace Duragent.Cli.Launcher;

/// <summary>
/// How to run this executable again: the apphost (<c>duragent</c>) as is, or <c>dotnet duragent.dll</c> when the
/// process is the <c>dotnet</c> host running the DLL.
/// </summary>
internal static class SelfCommand
{
    public static IReadOnlyList<string> Get()
    {
        var processPath = Environment.ProcessPath ?? throw new CliException("Cannot tell which executable is running (Environment.ProcessPath is null).");
        var dll = Path.Combine(AppContext.BaseDirectory, typeof(SelfCommand).Assembly.GetName().Name + ".dll");
        return IsDotnetHost(processPath) ? [processPath, dll] : [processPath];
    }

    internal static bool IsDotnetHost(string processPath)
    {
        var name = Path.GetFileNameWithoutExtension(processPath);
        return string.Equals(name, "dotnet", StringComparison.OrdinalIgnoreCase);
    }
}
