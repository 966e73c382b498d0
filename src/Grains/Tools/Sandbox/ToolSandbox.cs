using System.Diagnostics;
using Duragent.Configuration;

namespace Duragent.Tools.Sandbox;

/// <summary>
/// Where the processes of tools run (<c>sandbox</c> in <c>duragent.yaml</c>), decided once at start by
/// <see cref="Resolve"/>: on the host (<c>trust</c>), or inside bubblewrap with a read-only system, the agent directory
/// writable, private <c>/tmp</c>, home and process table, the workspace's state hidden, an optional network cut, a
/// cleared environment, no new privileges, and limits on memory and processes.
/// </summary>
/// <remarks>
/// Control files of the agent (<c>agent.yaml</c>, the policy files, <c>schedules.yaml</c>, <c>tools/</c>,
/// <c>skills/</c>, <c>directives/</c>) stay read-only inside the writable agent directory, so a tool cannot widen its
/// own policy. A <c>policy.local.yaml</c> that does not exist yet is held by an empty read-only mount, which leaves an
/// empty file on the host the first time (an empty policy file adds nothing).
/// </remarks>
public sealed class ToolSandbox : IDisposable
{
    /// <summary>Files of the agent directory a tool must not change (read-only inside the sandbox).</summary>
    public static readonly IReadOnlyList<string> ControlFiles = ["agent.yaml", "policy.yaml", "policy.local.yaml", "schedules.yaml", "tools", "skills", "directives"];

    /// <summary>Environment variables passed into the sandbox besides <see cref="SandboxConfig.Environment"/>.</summary>
    public static readonly IReadOnlyList<string> BasicEnvironment = ["PATH", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TZ", "USER", "LOGNAME"];

    // Control sockets of the host that a read-only bind would still let a tool connect to.
    private static readonly string[] HostControlSockets = ["/run/docker.sock", "/var/run/docker.sock", "/run/containerd", "/run/podman", "/run/user", "/run/dbus", "/var/run/dbus"];

    // Runs on the host between the silo and bwrap: joins the call's pids cgroup, sets the limits, then becomes bwrap.
    private const string LimitScript =
        "cg=$1 mem=$2 nproc=$3; shift 3; "
        + "if [ -n \"$cg\" ]; then echo $$ > \"$cg/cgroup.procs\" || exit 125; fi; "
        + "if [ -n \"$mem\" ]; then ulimit -d \"$mem\" || exit 125; fi; "
        + "if [ -n \"$nproc\" ]; then ulimit -u \"$nproc\" || exit 125; fi; "
        + "exec \"$@\"";

    private readonly SandboxConfig _config;
    private readonly string? _bwrap;
    private readonly IReadOnlyList<string> _hidden;
    private readonly PidsCgroup? _cgroup;

    private ToolSandbox(SandboxConfig config, string? bwrap, IReadOnlyList<string> hidden, PidsCgroup? cgroup, string? note)
    {
        _config = config;
        _bwrap = bwrap;
        _hidden = hidden;
        _cgroup = cgroup;
        Note = note;
    }

    /// <summary>Tools run on the host.</summary>
    public static ToolSandbox Trust { get; } = new(new SandboxConfig(), null, [], null, null);

    /// <summary>True when tools run inside bubblewrap.</summary>
    public bool IsSandboxed => _bwrap is not null;

    /// <summary>Why <c>auto</c> chose <c>trust</c>, or what is not enforced; null when nothing needs saying.</summary>
    public string? Note { get; }

    /// <summary>One line for the start log: where tools run and under which limits.</summary>
    public string Description
    {
        get
        {
            if (_bwrap is null)
            {
                return "tools run on the host (sandbox: trust)";
            }

            var processes = _config.MaxProcesses == 0 ? "no process cap"
                : _cgroup is not null ? $"at most {_config.MaxProcesses} processes per call (pids cgroup {_cgroup.Directory})"
                : IsRoot ? "no process cap (running as root without a writable pids cgroup)"
                : $"at most {_config.MaxProcesses} processes more than the user runs (RLIMIT_NPROC)";
            var memory = _config.MemoryMb == 0 ? "no memory limit" : $"data segment ≤ {_config.MemoryMb} MiB per process";
            return $"tools run in bubblewrap ({_bwrap}): read-only system, agent directory writable, private /tmp and home, "
                + $"network {(_config.Network ? "on" : "off")}, {memory}, {processes}";
        }
    }

    private static bool IsRoot => UserTasks.EffectiveUid() == 0;

    /// <summary>
    /// Decides where tools run. <see cref="SandboxMode.Bubblewrap"/> throws <see cref="ConfigurationException"/> with
    /// the fix when bubblewrap is missing or cannot create its namespaces here; <see cref="SandboxMode.Auto"/> falls
    /// back to the host and says why in <see cref="Note"/>. <paramref name="hidden"/> (the workspace's state and agents
    /// directories) are empty inside the sandbox, except the calling agent's own directory.
    /// </summary>
    public static ToolSandbox Resolve(SandboxConfig config, IReadOnlyList<string> hidden, string? bwrapPath = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(hidden);
        if (config.Mode == SandboxMode.Trust)
        {
            return Trust;
        }

        var bwrap = bwrapPath ?? FindOnPath("bwrap");
        var problem = bwrap is null
            ? "bubblewrap (bwrap) is not installed"
            : Probe(bwrap, config.Network);
        if (problem is not null)
        {
            if (config.Mode == SandboxMode.Bubblewrap)
            {
                throw new ConfigurationException(
                    $"sandbox.mode is bubblewrap, but {problem}. Install it (Debian, Ubuntu, Raspberry Pi OS: sudo apt-get install bubblewrap), "
                    + "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) where it needs them, or set sandbox.mode to trust or auto.");
            }

            return new ToolSandbox(config, null, [], null, $"sandbox.mode is auto and {problem}: tools run on the host");
        }

        var cgroup = config.MaxProcesses > 0 ? PidsCgroup.TryCreate() : null;
        var note = config.MaxProcesses > 0 && cgroup is null && IsRoot
            ? "sandbox.max_processes is not enforced: the server runs as root and no pids cgroup is writable (a tool's processes still end with its time limit)"
            : null;
        return new ToolSandbox(config, bwrap, hidden.Select(Path.GetFullPath).ToList(), cgroup, note);
    }

    /// <summary>The process start of <paramref name="shell"/> <c>-c</c> <paramref name="commandLine"/> in <paramref name="workingDirectory"/>, sandboxed as configured.</summary>
    public SandboxedStart Prepare(string shell, string commandLine, string workingDirectory, IReadOnlyDictionary<string, string>? environment)
    {
        ArgumentException.ThrowIfNullOrEmpty(shell);
        ArgumentNullException.ThrowIfNull(commandLine);
        ArgumentException.ThrowIfNullOrEmpty(workingDirectory);
        if (_bwrap is null)
        {
            var start = new ProcessStartInfo(shell) { WorkingDirectory = workingDirectory };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(commandLine);
            if (environment is not null)
            {
                foreach (var (name, value) in environment)
                {
                    start.Environment[name] = value;
                }
            }

            return new SandboxedStart(start, null);
        }

        var group = _cgroup?.CreateCallGroup(_config.MaxProcesses);
        var sandboxed = new ProcessStartInfo("bash") { WorkingDirectory = workingDirectory };
        var args = sandboxed.ArgumentList;
        args.Add("-c");
        args.Add(LimitScript);
        args.Add("duragent-sandbox");
        args.Add(group ?? string.Empty);
        args.Add(_config.MemoryMb == 0 ? string.Empty : (_config.MemoryMb * 1024L).ToString(System.Globalization.CultureInfo.InvariantCulture));
        args.Add(group is null && _config.MaxProcesses > 0 && !IsRoot
            ? (UserTasks.Count() + _config.MaxProcesses).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : string.Empty);
        args.Add(_bwrap);
        foreach (var arg in BwrapArguments(shell, commandLine, Path.GetFullPath(workingDirectory), environment))
        {
            args.Add(arg);
        }

        // bwrap clears the environment itself (--clearenv); the host side needs nothing of the silo's either.
        sandboxed.Environment.Clear();
        sandboxed.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
        return new SandboxedStart(sandboxed, group);
    }

    public void Dispose() => _cgroup?.Dispose();

    private IEnumerable<string> BwrapArguments(string shell, string commandLine, string workingDirectory, IReadOnlyDictionary<string, string>? environment)
    {
        yield return "--die-with-parent";
        yield return "--new-session";
        yield return "--unshare-pid";
        yield return "--unshare-ipc";
        yield return "--unshare-uts";
        yield return "--unshare-cgroup-try";
        if (!_config.Network)
        {
            yield return "--unshare-net";
        }

        yield return "--cap-drop";
        yield return "ALL";
        foreach (var arg in new[] { "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp" })
        {
            yield return arg;
        }

        var home = Environment.GetEnvironmentVariable("HOME");
        var privateHome = home is { Length: > 1 } && Path.IsPathFullyQualified(home) && Directory.Exists(home) ? Path.GetFullPath(home) : null;
        foreach (var hidden in _hidden.Where(Directory.Exists).Prepend(privateHome))
        {
            if (hidden is not null && !IsUnder(hidden, "/tmp") && hidden != "/")
            {
                yield return "--tmpfs";
                yield return hidden;
            }
        }

        foreach (var socket in HostControlSockets.Where(s => !ThroughSymlink(s)))
        {
            if (Directory.Exists(socket))
            {
                yield return "--tmpfs";
                yield return socket;
            }
            else if (File.Exists(socket))
            {
                yield return "--ro-bind";
                yield return "/dev/null";
                yield return socket;
            }
        }

        foreach (var writable in _config.Writable.Where(Directory.Exists).Append(workingDirectory))
        {
            yield return "--bind";
            yield return writable;
            yield return writable;
        }

        foreach (var control in ControlFiles)
        {
            var path = Path.Combine(workingDirectory, control);
            if (File.Exists(path) || Directory.Exists(path))
            {
                yield return "--ro-bind";
                yield return path;
                yield return path;
            }
            else if (control == PolicyFilesLocalName)
            {
                // Held empty and read-only, so that the tool cannot create it with its own rules.
                yield return "--ro-bind";
                yield return "/dev/null";
                yield return path;
            }
        }

        yield return "--clearenv";
        foreach (var name in BasicEnvironment.Concat(_config.Environment).Distinct(StringComparer.Ordinal))
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
            {
                yield return "--setenv";
                yield return name;
                yield return value;
            }
        }

        yield return "--setenv";
        yield return "HOME";
        yield return privateHome ?? "/tmp";
        if (environment is not null)
        {
            foreach (var (name, value) in environment)
            {
                yield return "--setenv";
                yield return name;
                yield return value;
            }
        }

        yield return "--chdir";
        yield return workingDirectory;
        yield return "--";
        yield return shell;
        yield return "-c";
        yield return commandLine;
    }

    private const string PolicyFilesLocalName = Duragent.Policy.PolicyFiles.LocalPolicyFileName;

    // True when a parent folder of path is a symbolic link (/var/run → /run): the real path is handled on its own.
    private static bool ThroughSymlink(string path)
    {
        for (var parent = Path.GetDirectoryName(path); !string.IsNullOrEmpty(parent) && parent != "/"; parent = Path.GetDirectoryName(parent))
        {
            if (new DirectoryInfo(parent).LinkTarget is not null)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsUnder(string path, string root) =>
        path == root || path.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal);

    // Runs a trivial command the way tools will run: the check that bubblewrap can create its namespaces here.
    private static string? Probe(string bwrap, bool network)
    {
        var start = new ProcessStartInfo(bwrap)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp" })
        {
            start.ArgumentList.Add(arg);
        }

        if (!network)
        {
            start.ArgumentList.Add("--unshare-net");
        }

        start.ArgumentList.Add("--");
        start.ArgumentList.Add("true");
        try
        {
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(15)))
            {
                process.Kill(entireProcessTree: true);
                return $"{bwrap} did not finish a trial run within 15 seconds";
            }

            return process.ExitCode == 0
                ? null
                : $"{bwrap} cannot create its sandbox here (exit code {process.ExitCode}: {error.GetAwaiter().GetResult().Trim()})";
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return $"{bwrap} cannot be started ({ex.Message})";
        }
    }

    private static string? FindOnPath(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
