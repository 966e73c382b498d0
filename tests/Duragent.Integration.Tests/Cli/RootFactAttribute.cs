namespace Duragent.Integration.Tests.Cli;

/// <summary>A fact that creates Unix users: it needs root and Linux; reported as skipped (with the reason) elsewhere.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "creates a second Unix user: Linux only";
        }
        else if (Environment.UserName != "root" && !IsRoot())
        {
            Skip = "creates a second Unix user (useradd): run the tests as root to include it";
        }
        else if (!File.Exists("/usr/sbin/useradd") || !File.Exists("/usr/bin/setpriv"))
        {
            Skip = "needs useradd and setpriv (util-linux)";
        }
    }

    private static bool IsRoot()
    {
        try
        {
            return File.ReadAllLines("/proc/self/status").Any(l => l.StartsWith("Uid:", StringComparison.Ordinal) && l.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1] == "0");
        }
        catch (IOException)
        {
            return false;
        }
    }
}
