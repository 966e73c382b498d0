using System.Diagnostics;

namespace Duragent.Gateway.Http.Tests;

/// <summary>
/// A fact that mounts a small tmpfs (to fill it): reported as skipped, with the reason, where this process cannot
/// mount one (not root, or no CAP_SYS_ADMIN in a container).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class TmpfsFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Problem = new(Probe);

    public TmpfsFactAttribute()
    {
        if (Problem.Value is { } problem)
        {
            Skip = problem;
        }
    }

    /// <summary>Runs <paramref name="file"/> to its end; (exit code, stdout + stderr), or (-1, why) when it cannot start.</summary>
    public static (int Code, string Output) Run(string file, params string[] args)
    {
        try
        {
            var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd() + stderr.GetAwaiter().GetResult();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            return "needs root on Linux to mount a tmpfs";
        }

        var directory = Directory.CreateTempSubdirectory("duragent-tmpfs-probe-").FullName;
        try
        {
            var (code, output) = Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", directory);
            if (code != 0)
            {
                return $"cannot mount a tmpfs here: {output.Trim()}";
            }

            Run("umount", directory);
            return null;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
