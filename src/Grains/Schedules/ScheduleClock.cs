namespace Duragent.Schedules;

/// <summary>
/// The clock the schedule grains read "now" from: <see cref="TimeProvider.System"/> in production. A service of its own
/// rather than the container's <see cref="TimeProvider"/>, which Orleans itself uses (a silo on a fake one does not
/// run), so tests can move the schedules' time without moving the silo's.
/// </summary>
public sealed class ScheduleClock(TimeProvider time)
{
    /// <summary>The system clock.</summary>
    public ScheduleClock()
        : this(TimeProvider.System)
    {
    }

    /// <summary>The provider behind the clock.</summary>
    public TimeProvider Time { get; } = time;

    /// <summary>
    /// When this silo's schedule services started (the clock is created with them): a slot due earlier fell due while
    /// the silo was down, and counts as missed however soon the silo came back.
    /// </summary>
    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();

    /// <summary>Now, in UTC.</summary>
    public DateTimeOffset GetUtcNow() => Time.GetUtcNow();
}
