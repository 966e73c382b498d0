namespace Duragent.Configuration;

/// <summary>The <c>client</c> section of <c>duragent.yaml</c>: how the CLI treats servers it starts itself.</summary>
public sealed record ClientConfig
{
    /// <summary>The default idle time before an auto-started server stops: 300 seconds.</summary>
    public const int DefaultIdleShutdownSeconds = 300;

    /// <summary>
    /// A server started by the CLI (not by <c>duragent serve</c>) stops after this many seconds with no live
    /// session; 300 by default, 0 keeps it running.
    /// </summary>
    public int IdleShutdownSeconds { get; init; } = DefaultIdleShutdownSeconds;
}
