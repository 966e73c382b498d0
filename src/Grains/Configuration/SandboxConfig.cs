namespace Duragent.Configuration;

/// <summary>Where tool processes run.</summary>
public enum SandboxMode
{
    /// <summary>Directly on the host, in the agent directory, as the user running the silo.</summary>
    Trust = 0,

    /// <summary>Inside a bubblewrap (<c>bwrap</c>) sandbox; the silo refuses to start when bubblewrap does not work.</summary>
    Bubblewrap = 1,

    /// <summary>Bubblewrap when it works on this machine, otherwise <see cref="Trust"/>; the silo says which at start.</summary>
    Auto = 2,
}

/// <summary>The <c>sandbox</c> section of <c>duragent.yaml</c>.</summary>
public sealed record SandboxConfig
{
    /// <summary>The default mode: <see cref="SandboxMode.Trust"/>.</summary>
    public const SandboxMode DefaultMode = SandboxMode.Trust;

    /// <summary>The default memory limit of one tool process tree's data segment: 1024 MiB.</summary>
    public const int DefaultMemoryMb = 1024;

    /// <summary>The default cap on processes one tool call may run at once: 256.</summary>
    public const int DefaultMaxProcesses = 256;

    /// <summary>Where tool processes run; <c>trust</c> by default.</summary>
    public SandboxMode Mode { get; init; } = DefaultMode;

    /// <summary>Whether sandboxed processes reach the network (<c>network</c>, default true).</summary>
    public bool Network { get; init; } = true;

    /// <summary>The limit of each sandboxed process's data segment, in MiB (<c>memory_mb</c>; 0 for none).</summary>
    public int MemoryMb { get; init; } = DefaultMemoryMb;

    /// <summary>The most processes one sandboxed tool call may run at once (<c>max_processes</c>; 0 for no cap).</summary>
    public int MaxProcesses { get; init; } = DefaultMaxProcesses;

    /// <summary>Environment variables of the silo passed into the sandbox besides the basic ones (<c>env</c>).</summary>
    public IReadOnlyList<string> Environment { get; init; } = [];

    /// <summary>Host directories writable inside the sandbox besides the agent directory (<c>writable</c>, absolute paths).</summary>
    public IReadOnlyList<string> Writable { get; init; } = [];
}
