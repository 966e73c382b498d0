namespace Duragent.Schedules;

/// <summary>Options of the schedule grains.</summary>
public sealed class ScheduleOptions
{
    /// <summary>Default of <see cref="OnTimeTolerance"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultOnTimeTolerance = TimeSpan.FromSeconds(30);

    /// <summary>Default of <see cref="DefaultGrace"/>: 1 hour.</summary>
    public static readonly TimeSpan DefaultGraceWindow = TimeSpan.FromHours(1);

    /// <summary>Default of <see cref="HistoryLimit"/>: 100.</summary>
    public const int DefaultHistoryLimit = 100;

    /// <summary>
    /// A slot fired at most this late counts as on time (30 seconds by default), under <c>catch_up: skip</c> too: timers
    /// and reminders are a little late under load. Later than that, a slot is missed and the catch-up policy decides.
    /// </summary>
    public TimeSpan OnTimeTolerance { get; set; } = DefaultOnTimeTolerance;

    /// <summary>The grace window of <c>catch_up: once</c> when the schedule does not set <c>grace</c> (1 hour by default).</summary>
    public TimeSpan DefaultGrace { get; set; } = DefaultGraceWindow;

    /// <summary>Finished runs and skip records kept per schedule, newest first (100 by default); running runs are always kept.</summary>
    public int HistoryLimit { get; set; } = DefaultHistoryLimit;

    /// <summary>The wait after a run's first failed attempt (10 seconds by default); it doubles with every attempt, with ±25 % jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait between attempts (10 minutes by default).</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a task run waits for its turn to end before the attempt counts as failed (1 hour by default).</summary>
    public TimeSpan TaskTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The longest message or task text: 32,768 characters.</summary>
    public const int MaxTextLength = 32_768;

    /// <summary>Throws when a value is out of range, naming the option.</summary>
    public void Validate()
    {
        if (OnTimeTolerance < TimeSpan.Zero || DefaultGrace < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(OnTimeTolerance), "Schedules: the on-time tolerance and the grace window must not be negative.");
        }

        if (HistoryLimit < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(HistoryLimit), HistoryLimit, "Schedules: HistoryLimit must be at least 1.");
        }

        if (RetryBaseDelay <= TimeSpan.Zero || RetryMaxDelay < RetryBaseDelay || TaskTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(RetryBaseDelay), "Schedules: the retry delays and the task timeout must be positive (and the maximum at least the base).");
        }
    }
}
