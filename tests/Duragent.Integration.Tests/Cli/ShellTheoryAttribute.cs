namespace Duragent.Integration.Tests.Cli;

/// <summary>A theory that needs a shell on PATH; reported as skipped (with the reason) where it is not installed.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ShellTheoryAttribute : TheoryAttribute
{
    public ShellTheoryAttribute(string shell)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, shell)));
        if (!found)
        {
            Skip = $"{shell} is not installed (apt-get install {shell})";
        }
    }
}
