using System.Globalization;

namespace Duragent.Tools.Sandbox;

/// <summary>The processes (threads) of this user: the base of an <c>RLIMIT_NPROC</c> cap, which counts them all.</summary>
internal static class UserTasks
{
    /// <summary>The effective uid of this process (from <c>/proc/self/status</c>); -1 when unknown.</summary>
    public static int EffectiveUid() => ReadUid("/proc/self/status", effective: true);

    /// <summary>How many tasks (threads) processes of this user's real uid run now.</summary>
    public static int Count()
    {
        var uid = ReadUid("/proc/self/status", effective: false);
        var count = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(directory);
            if (name.Length == 0 || !char.IsAsciiDigit(name[0]))
            {
                continue;
            }

            try
            {
                var threads = 0;
                var owner = -1;
                foreach (var line in File.ReadLines(Path.Combine(directory, "status")))
                {
                    if (line.StartsWith("Uid:", StringComparison.Ordinal))
                    {
                        owner = ParseField(line, 1);
                    }
                    else if (line.StartsWith("Threads:", StringComparison.Ordinal))
                    {
                        threads = ParseField(line, 1);
                        break;
                    }
                }

                if (owner == uid)
                {
                    count += Math.Max(threads, 1);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended while being read.
            }
        }

        return count;
    }

    private static int ReadUid(string status, bool effective)
    {
        try
        {
            var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            return line is null ? -1 : ParseField(line, effective ? 2 : 1);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return -1;
        }
    }

    private static int ParseField(string line, int index)
    {
        var fields = line.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > index && int.TryParse(fields[index], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : -1;
    }
}

/// <summary>
/// A pids cgroup of this silo that the server may create children in (cgroup v1 <c>pids</c>, or a cgroup v2 directory
/// with the <c>pids</c> controller delegated): each sandboxed tool call gets a child group whose <c>pids.max</c> caps its
/// process count — for every user, root included (<c>RLIMIT_NPROC</c> does not apply to root). Found once at start;
/// null when nothing is writable (most desktop systems without delegation), and the sandbox falls back to rlimits.
/// </summary>
internal sealed class PidsCgroup : IDisposable
{
    private long _next;

    private PidsCgroup(string directory) => Directory = directory;

    /// <summary>The silo's group (<c>…/duragent-&lt;pid&gt;</c>); tool calls get children of it.</summary>
    public string Directory { get; }

    public static PidsCgroup? TryCreate()
    {
        foreach (var parent in Candidates())
        {
            var directory = Path.Combine(parent, $"duragent-{Environment.ProcessId}");
            try
            {
                RemoveStale(parent);
                System.IO.Directory.CreateDirectory(directory);
                if (File.Exists(Path.Combine(directory, "pids.max")))
                {
                    var probe = Path.Combine(directory, "probe");
                    System.IO.Directory.CreateDirectory(probe);
                    File.WriteAllText(Path.Combine(probe, "pids.max"), "1");
                    System.IO.Directory.Delete(probe);
                    return new PidsCgroup(directory);
                }

                System.IO.Directory.Delete(directory);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                TryDelete(directory);
            }
        }

        return null;
    }

    /// <summary>Creates the group of one tool call, capped at <paramref name="maxProcesses"/>; returns its directory.</summary>
    public string? CreateCallGroup(int maxProcesses)
    {
        var directory = Path.Combine(Directory, "call-" + Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture));
        try
        {
            System.IO.Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "pids.max"), maxProcesses.ToString(CultureInfo.InvariantCulture));
            return directory;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(directory);
            return null;
        }
    }

    /// <summary>Kills what is left in a call's group (a process that escaped its parent's kill) and removes the group.</summary>
    public static void ReleaseCallGroup(string directory)
    {
        var kill = Path.Combine(directory, "cgroup.kill");
        for (var attempt = 0; attempt < 50; attempt++)
        {
            if (TryDelete(directory))
            {
                return;
            }

            if (File.Exists(kill))
            {
                TryWrite(kill, "1");
            }
            else
            {
                foreach (var pid in ReadPids(directory))
                {
                    try
                    {
                        using var process = System.Diagnostics.Process.GetProcessById(pid);
                        process.Kill();
                    }
                    catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                    {
                        // Gone already.
                    }
                }
            }

            Thread.Sleep(20);
        }
    }

    public void Dispose() => TryDelete(Directory);

    private static IEnumerable<string> Candidates()
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/self/cgroup");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            yield break;
        }

        foreach (var line in lines)
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                continue;
            }

            var path = parts[2].TrimStart('/');
            if (parts[1].Split(',').Contains("pids"))
            {
                yield return Path.Combine("/sys/fs/cgroup/pids", path);
            }
            else if (parts[0] == "0" && parts[1].Length == 0 && File.Exists("/sys/fs/cgroup/cgroup.controllers"))
            {
                // cgroup v2: usable when the pids controller is delegated to this group's children.
                var directory = Path.Combine("/sys/fs/cgroup", path);
                var control = Path.Combine(directory, "cgroup.subtree_control");
                if (File.Exists(control) && File.ReadAllText(control).Split(' ', '\n').Contains("pids"))
                {
                    yield return directory;
                }
            }
        }
    }

    // Groups of silos that died (kill -9) stay behind empty; remove them (a group that is not empty is in use).
    private static void RemoveStale(string parent)
    {
        foreach (var stale in System.IO.Directory.EnumerateDirectories(parent, "duragent-*"))
        {
            if (int.TryParse(Path.GetFileName(stale)["duragent-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && pid != Environment.ProcessId && !System.IO.Directory.Exists($"/proc/{pid}"))
            {
                foreach (var child in System.IO.Directory.EnumerateDirectories(stale))
                {
                    ReleaseCallGroup(child);
                }

                TryDelete(stale);
            }
        }
    }

    private static IEnumerable<int> ReadPids(string directory)
    {
        try
        {
            return File.ReadAllLines(Path.Combine(directory, "cgroup.procs"))
                .Select(l => int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0)
                .Where(p => p > 0)
                .ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static bool TryDelete(string directory)
    {
        try
        {
            // A cgroup directory is removed with rmdir while it holds only its control files.
            System.IO.Directory.Delete(directory);
            return true;
        }
        catch (DirectoryNotFoundException)
        {
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void TryWrite(string path, string text)
    {
        try
        {
            File.WriteAllText(path, text);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>A prepared process start and what to clean up after the process ends (its pids cgroup).</summary>
public sealed class SandboxedStart : IDisposable
{
    private readonly string? _callGroup;

    internal SandboxedStart(System.Diagnostics.ProcessStartInfo start, string? callGroup)
    {
        Start = start;
        _callGroup = callGroup;
    }

    public System.Diagnostics.ProcessStartInfo Start { get; }

    /// <summary>Kills anything left of the call and removes its cgroup.</summary>
    public void Dispose()
    {
        if (_callGroup is not null)
        {
            PidsCgroup.ReleaseCallGroup(_callGroup);
        }
    }
}
