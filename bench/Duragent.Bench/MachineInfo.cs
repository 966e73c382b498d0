using System.Globalization;
using System.Runtime.InteropServices;

namespace Duragent.Bench;

/// <summary>The one-line machine description printed before the figures.</summary>
public static class MachineInfo
{
    public static string Describe(string directory)
    {
        var cpu = ReadFirst("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        var kernel = TryRead("/proc/sys/kernel/osrelease")?.Trim() ?? "?";
        var load = TryRead("/proc/loadavg")?.Split(' ').Take(3) is { } parts ? string.Join(" ", parts) : "?";
        return $"machine: {cpu.Trim()}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription} (kernel {kernel}), "
            + $".NET {Environment.Version}, filesystem {FileSystemOf(directory)}, load average {load} at start";
    }

    /// <summary>The mount (device, type) holding <paramref name="directory"/>, from /proc/mounts.</summary>
    public static string FileSystemOf(string directory)
    {
        var mounts = TryRead("/proc/mounts");
        if (mounts is null)
        {
            return "?";
        }

        var full = Path.GetFullPath(directory);
        var best = ("?", "?", "");
        foreach (var line in mounts.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            if (fields.Length > 2 && full.StartsWith(fields[1], StringComparison.Ordinal) && fields[1].Length >= best.Item3.Length)
            {
                best = (fields[0], fields[2], fields[1]);
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"{best.Item2} on {best.Item1} (mounted at {best.Item3})");
    }

    private static string? ReadFirst(string path, string key) =>
        TryRead(path)?.Split('\n').FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal))?.Split(':', 2)[1];

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
