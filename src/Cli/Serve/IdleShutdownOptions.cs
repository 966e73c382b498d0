namespace Duragent.Cli.Serve;

/// <summary>When an ephemeral server (<c>serve --ephemeral N</c>) stops, and how often it checks.</summary>
internal sealed class IdleShutdownOptions
{
    /// <summary>The longest check interval: 5 seconds.</summary>
    public static readonly TimeSpan MaxCheckInterval = TimeSpan.FromSeconds(5);

    /// <summary>The shortest check interval: 250 ms.</summary>
    public static readonly TimeSpan MinCheckInterval = TimeSpan.FromMilliseconds(250);

    public IdleShutdownOptions(TimeSpan idleTime)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(idleTime, TimeSpan.Zero);
        IdleTime = idleTime;

        // A quarter of the idle time, within [250 ms, 5 s]: a short --ephemeral (tests) still stops promptly.
        CheckInterval = TimeSpan.FromTicks(Math.Clamp(idleTime.Ticks / 4, MinCheckInterval.Ticks, MaxCheckInterval.Ticks));
    }

    /// <summary>How long the server must have had no live session.</summary>
    public TimeSpan IdleTime { get; }

    /// <summary>
    /// How long a server that no client has called yet waits at least (when longer than <see cref="IdleTime"/>): the
    /// client that started it finds it through its node file and connects, which takes a moment on a busy machine.
    /// Zero by default; <c>serve --ephemeral</c> uses <see cref="DefaultFirstClientGrace"/>.
    /// </summary>
    public TimeSpan FirstClientGrace { get; init; }

    /// <summary>The first-client grace of <c>serve --ephemeral</c>: 15 seconds.</summary>
    public static readonly TimeSpan DefaultFirstClientGrace = TimeSpan.FromSeconds(15);

    /// <summary>How often activity is checked: a quarter of <see cref="IdleTime"/>, between 250 ms and 5 seconds.</summary>
    public TimeSpan CheckInterval { get; }
}
