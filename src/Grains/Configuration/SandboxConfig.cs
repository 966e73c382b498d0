namespace Duragent.Configuration;

/// <summary>Where tool processes run.</summary>
public enum SandboxMode
{
    /// <summary>Directly on the host, in the agent directory.</summary>
    Trust = 0,

    /// <summary>Inside a bubblewrap (<c>bwrap</c>) sandbox.</summary>
    Bubblewrap = 1,

    /// <summary>Inside a Docker container.</summary>
    Docker = 2,
}

/// <summary>The <c>sandbox</c> section of <c>duragent.yaml</c>.</summary>
public sealed record SandboxConfig
{
    /// <summary>The default mode: <see cref="SandboxMode.Trust"/>.</summary>
    public const SandboxMode DefaultMode = SandboxMode.Trust;

    /// <summary>Where tool processes run; <c>trust</c> by default.</summary>
    public SandboxMode Mode { get; init; } = DefaultMode;
}
